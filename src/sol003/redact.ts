// Secrets arrive in additionalParams (VNFC SSH passwords, EM passwords, OAuth client secrets,
// tokens, keys of every spelling). Whatever leaves the VNFM for a reader (API responses,
// notifications, logs) goes through here first. A field is secret by its name: any name that
// contains one of the words below, in any case, so `adminPassword`, `bearer_token`,
// `ssh_private_key`, `apiKey` and `credentials` are all caught. Workflow code uses this module:
// plain code, no imports.
const SECRET_NAME = /pass|secret|token|key|cred|auth/i;

export const REDACTED = '***';

export function isSecretKey(key: string): boolean {
  return SECRET_NAME.test(key);
}

/**
 * A deep copy with every value under a secret-named field replaced by "***": a scalar at once,
 * an object or list leaf by leaf (its shape stays readable, none of its values do).
 */
export function redactSecrets<T>(value: T, secret = false): T {
  if (Array.isArray(value)) return value.map((v: unknown) => redactSecrets(v, secret)) as T;
  if (value === null || typeof value !== 'object') return (secret && value !== null && value !== undefined ? REDACTED : value) as T;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = redactSecrets(v, secret || isSecretKey(key));
  return out as T;
}

/** The given secret values blanked out of a text (longest first, so a secret inside another goes too). */
export function scrub(text: string, secrets: readonly string[]): string {
  return [...new Set(secrets)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)
    .reduce((out, secret) => out.split(secret).join(REDACTED), text);
}

/** The text values held under secret-named fields, at any depth: what must never be quoted back. */
export function secretValues(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown, secret: boolean): void => {
    if (typeof v === 'string' || typeof v === 'number') {
      if (secret) found.push(String(v));
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, secret);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) walk(item, secret || isSecretKey(key));
    }
  };
  walk(value, false);
  return found;
}
