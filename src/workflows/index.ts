export { changeVnfPkg } from './change-vnfpkg.ts';
