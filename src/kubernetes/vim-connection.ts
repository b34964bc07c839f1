// A Kubernetes VIM as SOL003 `vimConnectionInfo` names it and Tacker takes it: `vimType`
// ETSINFV.KUBERNETES.V_1 (Tacker's tests also say `kubernetes`), the API server in
// `interfaceInfo.endpoint` with its CA in `ssl_ca_cert`, and in `accessInfo` a bearer token
// (`bearer_token`, Tacker's) or a client certificate and key (`client_cert`, `client_key`, PEM).
// The token and the key are secrets: they are redacted by name wherever the request is shown.
import { z } from 'zod';
import { HttpUrl } from '../http/urls.ts';

export const KUBERNETES_VIM_TYPES = ['ETSINFV.KUBERNETES.V_1', 'kubernetes'] as const;

const Pem = (what: string) => z.string().regex(/-----BEGIN [A-Z ]+-----/, `${what} must be PEM`);

export const KubernetesAccessInfo = z.looseObject({
  bearer_token: z.string().min(1).optional(),
  client_cert: Pem('client_cert').optional(),
  client_key: Pem('client_key').optional(),
}).superRefine((access, ctx) => {
  const certificate = access.client_cert !== undefined || access.client_key !== undefined;
  if (certificate && (access.client_cert === undefined || access.client_key === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'client_cert and client_key go together' });
  }
  if (access.bearer_token === undefined && !certificate) {
    ctx.addIssue({ code: 'custom', message: 'a Kubernetes VIM needs bearer_token, or client_cert and client_key' });
  }
});

export const KubernetesVimConnectionInfo = z.looseObject({
  vimId: z.string().optional(),
  vimType: z.enum(KUBERNETES_VIM_TYPES),
  interfaceInfo: z.looseObject({
    endpoint: HttpUrl.refine((url) => url.startsWith('https://'), 'a Kubernetes API server is reached over https'),
    /** PEM of the API server's CA; Tacker's form (newlines as spaces) is accepted too. */
    ssl_ca_cert: z.string().min(1).optional(),
  }),
  accessInfo: KubernetesAccessInfo,
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type KubernetesVimConnectionInfo = z.infer<typeof KubernetesVimConnectionInfo>;

/** What the activities need to reach one API server: plain data, carried in workflow inputs (encrypted). */
export interface KubernetesTarget {
  endpoint: string;
  caCertPem?: string;
  bearerToken?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
}

export function isKubernetesVimType(vimType: unknown): boolean {
  return typeof vimType === 'string' && (KUBERNETES_VIM_TYPES as readonly string[]).includes(vimType);
}

/**
 * The Kubernetes VIM among a request's vimConnectionInfo entries: undefined when none is of a
 * Kubernetes type; its parse result otherwise (a malformed one is the caller's 400/422).
 */
export function kubernetesVimIn(vimConnectionInfo: Record<string, unknown> | undefined): { key: string; parsed: ReturnType<typeof KubernetesVimConnectionInfo.safeParse> } | undefined {
  for (const [key, value] of Object.entries(vimConnectionInfo ?? {})) {
    if (typeof value === 'object' && value !== null && isKubernetesVimType((value as { vimType?: unknown }).vimType)) {
      return { key, parsed: KubernetesVimConnectionInfo.safeParse(value) };
    }
  }
  return undefined;
}

export function targetOf(vim: KubernetesVimConnectionInfo): KubernetesTarget {
  const { endpoint, ssl_ca_cert: ca } = vim.interfaceInfo;
  const { bearer_token: token, client_cert: cert, client_key: key } = vim.accessInfo;
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    ...(ca ? { caCertPem: normalizePem(ca) } : {}),
    ...(token ? { bearerToken: token } : {}),
    ...(cert && key ? { clientCertPem: normalizePem(cert), clientKeyPem: normalizePem(key) } : {}),
  };
}

/**
 * Tacker's ssl_ca_cert may arrive with its newlines turned into spaces (it was pasted into a
 * one-line JSON string): the base64 body is put back on lines of its own.
 */
export function normalizePem(text: string): string {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return text;
  return blocks.map(([, label, body]) => {
    const base64 = (body ?? '').replace(/\s+/g, '');
    const lines = base64.match(/.{1,64}/g) ?? [];
    return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
  }).join('');
}
