export { changeVnfPkg } from './change-vnfpkg.ts';
export { deliverOperationNotifications } from './notifications.ts';
export { instantiateVnf, modifyVnfInfo, terminateVnf } from './instance-operations.ts';
export { vnfInstanceLcm } from './vnf-instance-lcm.ts';
