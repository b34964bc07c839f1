// Secrets arrive in additionalParams (VNFC SSH passwords, EM passwords, OAuth client secrets).
// Whatever leaves the VNFM for a reader (API responses, logs) goes through here first.
const SECRET_KEYS = new Set(['password', 'clientpassword', 'clientsecret', 'client_secret', 'token', 'access_token', 'authorization']);

export const REDACTED = '***';

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

/** A deep copy with every secret-named field replaced by "***". */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => redactSecrets(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isSecretKey(key) ? REDACTED : redactSecrets(v);
  return out as T;
}
