// How a VNF instance names the VIM its resources are on (SOL003 v3 VimConnectionInfo, direct
// mode): an entry of the instance's vimConnectionInfo map, whose key every resource handle
// carries as vimConnectionId. The VNFM drives one VIM, the one it is configured with; its
// entry says which (the Keystone endpoint) and as whom, and never carries a credential.
import { createHash } from 'node:crypto';
import type { VimConnectionInfo } from '../sol003/models.ts';

/** ETSI NFV-SOL 003 Annex C: an OpenStack VIM reached through Keystone v3. */
export const OPENSTACK_VIM_TYPE = 'ETSINFV.OPENSTACK_KEYSTONE.V_3';

export interface VimIdentity {
  authUrl: string;
  username: string;
  projectName: string;
  userDomainName?: string;
  projectDomainName?: string;
  region?: string;
}

/**
 * The VIM's entry, keyed by a vimConnectionId derived from the endpoint and project: the same
 * VIM gets the same id in every process (gateway, workers) and across restarts.
 */
export function vimConnectionEntry(vim: VimIdentity): { vimConnectionId: string; info: VimConnectionInfo } {
  const hash = createHash('sha256').update(`${vim.authUrl}\n${vim.projectDomainName ?? 'Default'}\n${vim.projectName}`).digest('hex');
  const vimId = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-5${hash.slice(13, 16)}-a${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
  return {
    vimConnectionId: vimId,
    info: {
      vimId,
      vimType: OPENSTACK_VIM_TYPE,
      interfaceInfo: { endpoint: vim.authUrl },
      accessInfo: {
        username: vim.username,
        project: vim.projectName,
        userDomain: vim.userDomainName ?? 'Default',
        projectDomain: vim.projectDomainName ?? 'Default',
        ...(vim.region ? { region: vim.region } : {}),
      },
    },
  };
}
