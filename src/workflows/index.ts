export { changeVnfPkg } from './change-vnfpkg.ts';
export { deliverOperationNotifications } from './notifications.ts';
