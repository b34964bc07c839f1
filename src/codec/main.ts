// Process entry of the codec endpoint for the Temporal Web UI: `npx tsx src/codec/main.ts`.
// Configuration is read once here; keys and token come from src/codec/keyring.ts and token.ts.
import { readFileSync } from 'node:fs';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { loadConfig, type Env } from '../config.ts';
import { EncryptionCodec } from './encryption-codec.ts';
import { startCodecEndpoint } from './endpoint.ts';
import { loadKeyring } from './keyring.ts';
import { loadCodecToken } from './token.ts';
import { prepareDataDir } from '../persistence/data-dir.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  prepareDataDir(config.DATA_DIR);
  const keyring = loadKeyring(config);
  const endpoint = await startCodecEndpoint({
    // The Web UI only displays: what was never encrypted is shown as it is.
    codec: new EncryptionCodec(keyring, { acceptPlaintext: true }),
    token: loadCodecToken(config),
    allowedOrigins: config.VNFM_CODEC_ALLOWED_ORIGINS,
    https: codecTls(config),
    host: config.VNFM_CODEC_HOST,
    port: config.VNFM_CODEC_PORT,
    log: (line) => console.log(line),
  });
  console.log(`codec endpoint listening on ${endpoint.url} (keys: ${[...keyring.byId.keys()].join(', ')}; CORS: ${config.VNFM_CODEC_ALLOWED_ORIGINS.join(', ')})`);
  const stop = () => void endpoint.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function codecTls(config: Env): HttpsServerOptions | undefined {
  const { VNFM_CODEC_TLS_CERT_FILE: cert, VNFM_CODEC_TLS_KEY_FILE: key } = config;
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new Error('VNFM_CODEC_TLS_CERT_FILE and VNFM_CODEC_TLS_KEY_FILE go together');
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

main().catch((err: unknown) => {
  console.error(`codec endpoint failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
