import type { Readable } from 'node:stream';
import { CoordinationError } from './errors.ts';

/** Reads a response body as text, refusing one larger than the cap instead of buffering it. */
export async function readCappedText(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new CoordinationError('malformed', `response body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
