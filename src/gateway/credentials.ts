// Credentials of the embedded default (`npm start`): made once, kept in the data folder (mode
// 0600), printed at start. A deployment sets GATEWAY_* variables instead.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const EmbeddedCredentials = z.object({
  apiToken: z.string(),
  basic: z.object({ userName: z.string(), password: z.string() }),
  oauth2Client: z.object({ clientId: z.string(), clientSecret: z.string() }),
  tokenSecret: z.string(),
});
export type EmbeddedCredentials = z.infer<typeof EmbeddedCredentials>;

export function embeddedCredentials(dataDir: string): EmbeddedCredentials {
  const file = join(dataDir, 'gateway-credentials.json');
  if (existsSync(file)) return EmbeddedCredentials.parse(JSON.parse(readFileSync(file, 'utf8')));
  const secret = (): string => randomBytes(18).toString('base64url');
  const credentials: EmbeddedCredentials = {
    apiToken: secret(),
    basic: { userName: 'admin', password: secret() },
    oauth2Client: { clientId: 'nfvo', clientSecret: secret() },
    tokenSecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

/** The same credentials as GATEWAY_* environment variables for the gateway process. */
export function credentialsEnv(c: EmbeddedCredentials): Record<string, string> {
  return {
    GATEWAY_API_TOKENS: c.apiToken,
    GATEWAY_BASIC_USERS: `${c.basic.userName}:${c.basic.password}`,
    GATEWAY_OAUTH2_CLIENTS: `${c.oauth2Client.clientId}:${c.oauth2Client.clientSecret}`,
    GATEWAY_TOKEN_SECRET: c.tokenSecret,
  };
}
