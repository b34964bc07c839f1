// Configuration of every durable-vnfm process, read from the environment once and validated;
// the parts are passed down, nothing deeper reads process.env.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeZodError } from './http/problem.ts';
import { EgressPolicy, LOOPBACK, NEVER_REACHED } from './outbound/egress.ts';
import { PROJECT_ROOT } from './project-root.ts';

const port = z.coerce.number().int().min(0).max(65535);
const optionalFile = z.string().min(1).optional();
const list = z.string().transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean));
const pairs = list.transform((items, ctx) => items.map((item) => {
  const colon = item.indexOf(':');
  if (colon <= 0) ctx.addIssue({ code: 'custom', message: 'expected name:secret pairs separated by commas' });
  return [item.slice(0, colon), item.slice(colon + 1)] as const;
}));
const originList = z
  .string()
  .transform((text) => text.split(',').map((origin) => origin.trim()).filter(Boolean))
  .pipe(z.array(z.url().transform((url) => new URL(url).origin)).min(1));

/** Where `npm run build` puts the workflow bundle. */
export const DEFAULT_WORKFLOW_BUNDLE_DIR = join(PROJECT_ROOT, 'dist', 'workflows');

export const Env = z.object({
  // The Temporal connection, named as Temporal's own environment configuration names it (the
  // SDKs' envconfig, the CLI): see src/temporal-connection.ts for how they combine.
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Sent as `Authorization: Bearer`; turns TLS on unless TEMPORAL_TLS=false. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** `true`/`1` TLS on, `false`/`0` off; unset: on when any other TLS setting or an API key is given. */
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0']).optional().transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  /** CA of the frontend's certificate (PEM), as a path or as the PEM itself; the system CAs otherwise. */
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalFile,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: z.string().min(1).optional(),
  /** Client certificate and key for mutual TLS (both or neither). */
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalFile,
  TEMPORAL_TLS_CLIENT_CERT_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalFile,
  TEMPORAL_TLS_CLIENT_KEY_DATA: z.string().min(1).optional(),
  /** The name checked in the frontend's certificate (and sent as SNI) instead of the address's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /**
   * Temporal's switch to skip host name verification. The TypeScript SDK has no such option, and
   * verification stays on: only `false` is accepted (set TEMPORAL_TLS_SERVER_NAME instead).
   */
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: z.enum(['false', '0'], {
    error: 'cannot be switched on: the TypeScript SDK always verifies the host name; set TEMPORAL_TLS_SERVER_NAME to the name in the certificate',
  }).optional(),
  /** A TOML profile file of Temporal's environment configuration: not read here, refused rather than ignored. */
  TEMPORAL_CONFIG_FILE: z.undefined({ error: 'TOML profile files are not read: set the TEMPORAL_* variables themselves' }).optional(),
  TEMPORAL_PROFILE: z.undefined({ error: 'TOML profiles are not read: set the TEMPORAL_* variables themselves' }).optional(),
  TEMPORAL_TASK_QUEUE: z.string().default('vnflcm'),
  /** Workflows a worker keeps in memory between tasks (sticky cache); bounds the worker's RSS. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
  DATA_DIR: z.string().default(join(PROJECT_ROOT, '.data')),
  /**
   * PostgreSQL of the VNFM's own records (packages and their content, instances, subscriptions),
   * shared by the gateways and workers of a cluster: `postgres://user:password@host:port/db`
   * (libpq's `sslmode`/`sslrootcert` parameters apply). Unset: files in DATA_DIR, one machine.
   */
  VNFM_DATABASE_URL: z.url().refine((url) => /^postgres(ql)?:$/.test(new URL(url).protocol), 'must be a postgres:// URL').optional(),
  /** Connections each process keeps open to VNFM_DATABASE_URL. */
  VNFM_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).default(10),
  /** The workflow bundle and its manifest, as `npm run build` writes them (verified before it is loaded). */
  WORKFLOW_BUNDLE_DIR: z.string().min(1).default(DEFAULT_WORKFLOW_BUNDLE_DIR),
  /** Read only to see whether the operator bounded the heap already (--max-old-space-size). */
  NODE_OPTIONS: z.string().optional(),

  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port.default(9890),
  /** Public base URL of the gateway (for Location headers and _links); derived from host:port when unset. */
  GATEWAY_API_ROOT: z.url().optional(),
  /** Comma-separated API tokens accepted as `X-Auth-Token` or `Authorization: Bearer`. */
  GATEWAY_API_TOKENS: list.default([]),
  /** Comma-separated `user:password` pairs for HTTP Basic. */
  GATEWAY_BASIC_USERS: pairs.default([]),
  /** Comma-separated `clientId:clientSecret` pairs for the gateway's OAuth 2.0 token endpoint. */
  GATEWAY_OAUTH2_CLIENTS: pairs.default([]),
  /** HMAC key of issued bearer tokens; share it between gateway replicas. */
  GATEWAY_TOKEN_SECRET: z.string().min(16).optional(),

  VIM_AUTH_URL: z.url().default('http://127.0.0.1:9891/identity/v3'),
  VIM_USERNAME: z.string().default('admin'),
  VIM_PASSWORD: z.string().default('admin'),
  VIM_PROJECT: z.string().default('admin'),
  VIM_CA_FILE: optionalFile,

  /** Extra CA(s) trusted for the EM and its token endpoints, besides the system's. */
  EM_CA_FILE: optionalFile,
  /** Client certificate and key for OAUTH2_CLIENT_CERT (mutual TLS to the EM and its token endpoint). */
  EM_CLIENT_CERT_FILE: optionalFile,
  EM_CLIENT_KEY_FILE: optionalFile,
  /**
   * Comma-separated origins (https://host:port) of EMs, token endpoints or notification
   * subscribers whose TLS certificate is NOT verified. Verification is on for everything else;
   * each exception is logged at start.
   */
  TLS_INSECURE_ORIGINS: list.pipe(z.array(z.url())).default([]),
  /** `true` switches off TLS verification towards the VIM (logged at start). */
  VIM_TLS_INSECURE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  EM_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /**
   * Extra CA trusted for Kubernetes API servers whose vimConnectionInfo gives no ssl_ca_cert
   * (the system's CAs stay trusted); a VIM that gives one is verified against it alone.
   */
  KUBERNETES_CA_FILE: optionalFile,
  /** Bound on one exchange with a Kubernetes API server. */
  KUBERNETES_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /**
   * Where EM endpoints, token endpoints, Locations and notification callbacks may point:
   * comma-separated CIDRs, addresses, host names or `*.domain`. ALLOW, when given, is the only
   * way out; DENY is refused always; by default loopback, link-local and unspecified addresses
   * (loopback is allowed in the embedded default, where the EM and VIM simulators run), and the
   * VNFM's own ports on loopback.
   */
  VNFM_EGRESS_ALLOW: list.default([]),
  VNFM_EGRESS_DENY: list.optional(),
  /**
   * `user`: coordinate scripts run as VNFM_SCRIPT_USER (the worker runs as root to switch to it),
   * in a read-only copy of their package, with no access to DATA_DIR. `off`: as the worker's own
   * user (logged at start); `npm start` uses it when it is not root.
   */
  VNFM_SCRIPT_SANDBOX: z.enum(['user', 'off']).default('user'),
  VNFM_SCRIPT_USER: z.string().min(1).default('nobody'),
  /** Coordination action used when the destination VNFD declares none. */
  DEFAULT_COORDINATION_ACTION: z.string().min(1).default('prv.tacker_organization.coordination_test'),

  /** `1` when started by `npm start`: missing codec key and token files are created in DATA_DIR. */
  VNFM_EMBEDDED: z.enum(['0', '1']).optional().transform((value) => value === '1'),
  /** Payload encryption keys `keyId:base64key,...` (32-byte AES keys); the first encrypts, all decrypt. */
  VNFM_CODEC_KEYS: z.string().min(1).optional(),
  /** Key file (JSON, see src/codec/keyring.ts) used when VNFM_CODEC_KEYS is unset; default DATA_DIR/codec-keys.json. */
  VNFM_CODEC_KEY_FILE: optionalFile,
  /**
   * `true` lets unencrypted payloads into this process: only to replay histories recorded before
   * encryption. Otherwise anyone who reaches the Temporal frontend could hand the worker an input.
   */
  VNFM_CODEC_ACCEPT_PLAINTEXT: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Bearer token of the codec endpoint; default: the file DATA_DIR/codec-token. */
  VNFM_CODEC_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The codec endpoint for the Temporal Web UI (src/codec/main.ts). */
  VNFM_CODEC_HOST: z.string().default('127.0.0.1'),
  VNFM_CODEC_PORT: port.default(8234),
  /** Serve the codec endpoint over https with this certificate and key (PEM files); its session cookie is then `Secure`. */
  VNFM_CODEC_TLS_CERT_FILE: optionalFile,
  VNFM_CODEC_TLS_KEY_FILE: optionalFile,
  /** Web UI origins allowed to call the codec endpoint from the browser (CORS), comma-separated. */
  VNFM_CODEC_ALLOWED_ORIGINS: originList.default(['http://127.0.0.1:8233', 'http://localhost:8233']),
});
export type Env = z.infer<typeof Env>;

/** The tools `npm start`, the tests and the benchmarks run beside the VNFM. */
export const ToolsEnv = z.object({
  /** A Temporal CLI binary to use instead of the one `npm ci` provisioned into .temporal/bin. */
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** The cluster's parts, instead of what scripts/provision-cluster.mjs built into .temporal/cluster-<version>/. */
  TEMPORAL_SERVER_PATH: z.string().min(1).optional(),
  TEMPORAL_SQL_TOOL_PATH: z.string().min(1).optional(),
  TEMPORAL_UI_SERVER_PATH: z.string().min(1).optional(),
  /** The server's schema folder (holding postgresql/v12/{temporal,visibility}/versioned). */
  TEMPORAL_SCHEMA_DIR: z.string().min(1).optional(),
  /** PostgreSQL's server programs (initdb, postgres); default: the newest under /usr/lib/postgresql. */
  POSTGRES_BIN_DIR: z.string().min(1).optional(),
  /** A kubectl to drive the Kubernetes simulator with instead of the Debian one `npm ci` unpacked into .tools/. */
  KUBECTL_PATH: z.string().min(1).optional(),
});

/** `npm run cluster` only: where its state lives and the ports of the parts it runs. */
export const ClusterEnv = z.object({
  CLUSTER_DIR: z.string().min(1).default(join(PROJECT_ROOT, '.cluster')),
  CLUSTER_POSTGRES_PORT: port.default(55432),
  /** The frontend's gRPC port; the other services take the next ports (see src/cluster/plan.ts). */
  CLUSTER_TEMPORAL_PORT: port.default(7233),
  CLUSTER_UI_PORT: port.default(8233),
  CLUSTER_GATEWAY_A_PORT: port.default(9890),
  CLUSTER_GATEWAY_B_PORT: port.default(9892),
  CLUSTER_CODEC_PORT: port.default(8234),
  CLUSTER_EM_PORT: port.default(6789),
  CLUSTER_VIM_PORT: port.default(9891),
});

export function loadClusterConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof ClusterEnv> {
  return parseOrExplain(ClusterEnv, env, 'cluster');
}

export function loadToolsConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof ToolsEnv> {
  return ToolsEnv.parse(env);
}

/** `npm start` only: the ports of the parts it runs beside the VNFM's own. */
export const StartEnv = z.object({
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  VIM_PORT: port.default(9891),
  /** The servers' guest applications on their own addresses (the load balancer's members). */
  VIM_GUEST_PORT: port.default(9897),
  EM_PORT: port.default(6789),
  /** The load balancer simulator's front and management API. */
  LB_PORT: port.default(9895),
  LB_ADMIN_PORT: port.default(9896),
  KUBERNETES_SIMULATOR_PORT: port.default(9892),
  /** Web UI origins for the codec endpoint; derived from TEMPORAL_UI_PORT when unset. */
  VNFM_CODEC_ALLOWED_ORIGINS: z.string().min(1).optional(),
});

export function loadStartConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof StartEnv> {
  return StartEnv.parse(env);
}

/** The reference EM process (src/em/main.ts). An empty variable means "not set", as in `VAR= command`. */
export const ReferenceEmEnv = z
  .object({
    EM_HOST: z.string().default('127.0.0.1'),
    EM_PORT: port.default(6789),
    /** A behaviour file (YAML or JSON, see src/em/README.md). */
    EM_CONFIG: z.string().optional(),
    /** Comma-separated BASIC, OAUTH2_CLIENT_CREDENTIALS, OAUTH2_CLIENT_CERT; NONE leaves the API open. */
    EM_AUTH_METHODS: z.string().optional(),
    EM_BASIC_USER: z.string().default('tacker'),
    EM_BASIC_PASSWORD: z.string().default('tacker'),
    EM_OAUTH2_CLIENT_ID: z.string().default('tacker'),
    EM_OAUTH2_CLIENT_SECRET: z.string().default('tacker'),
    EM_TOKEN_LIFETIME_SECONDS: z.coerce.number().positive().default(3600),
    EM_TLS_CERT: z.string().optional(),
    EM_TLS_KEY: z.string().optional(),
    EM_TLS_CA: z.string().optional(),
  })
  .refine((env) => (env.EM_TLS_CERT === undefined) === (env.EM_TLS_KEY === undefined), {
    message: 'EM_TLS_CERT and EM_TLS_KEY go together',
    path: ['EM_TLS_CERT'],
  })
  .refine((env) => env.EM_TLS_CA === undefined || env.EM_TLS_CERT !== undefined, {
    message: 'EM_TLS_CA (mutual TLS) needs EM_TLS_CERT and EM_TLS_KEY',
    path: ['EM_TLS_CA'],
  });

export function loadReferenceEmConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof ReferenceEmEnv> {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  return parseOrExplain(ReferenceEmEnv, given, 'reference EM');
}

/** The VIM simulator process (src/vim-simulator/main.ts). */
export const VimSimulatorEnv = z.object({
  VIM_HOST: z.string().min(1).default('127.0.0.1'),
  VIM_PORT: port.default(9891),
  VIM_STATE_FILE: z.string().min(1).default('.data/vim-state.json'),
  VIM_UPDATE_DELAY_MS: z.coerce.number().int().min(0).default(2000),
  /** Port of every server's guest application, on the server's own loopback address (127.77.x.y); 0 picks a free one. */
  VIM_GUEST_PORT: port.default(9897),
  VIM_USERNAME: z.string().min(1).default('admin'),
  VIM_PASSWORD: z.string().min(1).default('admin'),
  VIM_PROJECT: z.string().min(1).default('admin'),
  /** Set when clients reach the simulator through another address (a container name, a proxy). */
  VIM_PUBLIC_URL: z.url().optional(),
  /** Let non-loopback clients use the admin API (a private container network); off by default. */
  VIM_ADMIN_REMOTE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/** The load balancer simulator process (src/load-balancer-simulator/main.ts). */
export const LoadBalancerSimulatorEnv = z.object({
  LB_HOST: z.string().min(1).default('127.0.0.1'),
  /** The front: traffic sent here goes to the pool's members. */
  LB_PORT: port.default(9895),
  /** The management API (HTTP Basic): what external_lb_param's ip_address, port, username and password name. */
  LB_ADMIN_PORT: port.default(9896),
  LB_USERNAME: z.string().min(1).default('lbadmin'),
  LB_PASSWORD: z.string().min(1).default('lbadmin'),
  /** Port of a member given without one: where the VIM simulator's servers answer (VIM_GUEST_PORT). */
  LB_MEMBER_PORT: port.default(9897),
  LB_STATE_FILE: z.string().min(1).default('.data/lb-state.json'),
});

export function loadLoadBalancerSimulatorConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof LoadBalancerSimulatorEnv> {
  return parseOrExplain(LoadBalancerSimulatorEnv, env, 'load balancer simulator');
}

/** The bearer token of the embedded Kubernetes simulator, as samples/sample_param_file_cnf_instantiate.json gives it. */
export const EMBEDDED_KUBERNETES_TOKEN = 'durable-vnfm-kubernetes-simulator';

/** The Kubernetes API simulator process (src/kubernetes-simulator/main.ts). */
export const KubernetesSimulatorEnv = z.object({
  KUBERNETES_SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  KUBERNETES_SIMULATOR_PORT: port.default(9892),
  KUBERNETES_SIMULATOR_STATE_FILE: z.string().min(1).default('.data/kubernetes-simulator/state.json'),
  /** Where the simulator keeps the CA and server certificate it makes on first start (unless given below). */
  KUBERNETES_SIMULATOR_PKI_DIR: z.string().min(1).default('.data/kubernetes-simulator'),
  KUBERNETES_SIMULATOR_TLS_CERT: optionalFile,
  KUBERNETES_SIMULATOR_TLS_KEY: optionalFile,
  /** CA of the client certificates it accepts (CN = user); default: its own CA. */
  KUBERNETES_SIMULATOR_CLIENT_CA: optionalFile,
  /** Comma-separated bearer tokens it accepts; the default is the embedded one of samples/ (like the VIM simulator's admin/admin). */
  KUBERNETES_SIMULATOR_TOKENS: list.default([EMBEDDED_KUBERNETES_TOKEN]),
  KUBERNETES_SIMULATOR_POD_START_DELAY_MS: z.coerce.number().int().min(0).default(500),
  KUBERNETES_SIMULATOR_POD_READY_DELAY_MS: z.coerce.number().int().min(0).default(1500),
  /** Let non-loopback clients use the admin API; off by default. */
  KUBERNETES_SIMULATOR_ADMIN_REMOTE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
}).refine((env) => (env.KUBERNETES_SIMULATOR_TLS_CERT === undefined) === (env.KUBERNETES_SIMULATOR_TLS_KEY === undefined), {
  message: 'KUBERNETES_SIMULATOR_TLS_CERT and KUBERNETES_SIMULATOR_TLS_KEY go together',
  path: ['KUBERNETES_SIMULATOR_TLS_CERT'],
});

export function loadKubernetesSimulatorConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof KubernetesSimulatorEnv> {
  return parseOrExplain(KubernetesSimulatorEnv, env, 'Kubernetes simulator');
}

export function loadVimSimulatorConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof VimSimulatorEnv> {
  return parseOrExplain(VimSimulatorEnv, env, 'VIM simulator');
}

function parseOrExplain<S extends z.ZodType>(schema: S, env: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid ${what} configuration: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export function readOptionalFile(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, 'utf8');
}

/** The egress policy of this process's clients of EMs, token endpoints and subscribers. */
export function egressPolicyOf(config: Env): EgressPolicy {
  const temporalPort = Number(config.TEMPORAL_ADDRESS.split(':').pop());
  return new EgressPolicy({
    allow: config.VNFM_EGRESS_ALLOW,
    deny: config.VNFM_EGRESS_DENY ?? (config.VNFM_EMBEDDED ? NEVER_REACHED : [...LOOPBACK, ...NEVER_REACHED]),
    ownPorts: [config.GATEWAY_PORT, config.VNFM_CODEC_PORT, ...(Number.isInteger(temporalPort) ? [temporalPort] : [])],
  });
}

export function gatewayApiRoot(config: Env): string {
  return config.GATEWAY_API_ROOT ?? `http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`;
}
