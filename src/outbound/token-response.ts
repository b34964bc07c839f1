// The OAuth 2.0 token response (RFC 6749 §5.1), the wire model both sides of a token endpoint
// share: the kit reads it, the reference EM and the gateway issue it. zod only, no I/O.
import { z } from 'zod';

export const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;
