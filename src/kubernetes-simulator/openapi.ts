// GET /openapi/v2: the OpenAPI document kubectl fetches before `apply` (for client-side
// validation and for the patch strategy of unknown kinds). The simulator publishes a document
// with no definitions: kubectl then validates nothing on its side and uses the merge keys it
// knows for built-in kinds, and the simulator validates on its own (a 422 Invalid). kubectl
// asks for the protobuf form (gnostic's openapi_v2.Document), written here by hand: swagger
// (field 1), info (2: title 1, version 2), paths (8) and definitions (9), both empty.
import { SERVER_VERSION } from './resources.ts';

export const OPENAPI_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

export function openApiDocument(accept: string | undefined): { contentType: string; body: Buffer | object } {
  const info = { title: 'Kubernetes (durable-vnfm simulator)', version: SERVER_VERSION.gitVersion };
  if (accept?.includes('protobuf')) {
    const document = Buffer.concat([
      field(1, Buffer.from('2.0')),
      field(2, Buffer.concat([field(1, Buffer.from(info.title)), field(2, Buffer.from(info.version))])),
      field(8, Buffer.alloc(0)),
      field(9, Buffer.alloc(0)),
    ]);
    return { contentType: OPENAPI_PROTOBUF, body: document };
  }
  return { contentType: 'application/json', body: { swagger: '2.0', info, paths: {}, definitions: {} } };
}

/** A length-delimited protobuf field (wire type 2). */
function field(number: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(payload.length), payload]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
