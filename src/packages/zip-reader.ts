// Reads the files of a ZIP archive (a CSAR) held in memory, trusting nothing it declares: the
// central directory is parsed within bounds, every entry's data must lie inside the archive and
// overlap no other entry's (a "bomb" of many entries sharing one deflate stream is refused before
// anything is inflated), inflation of each entry stops at the size the entry declares (an entry
// that lies about its size is refused without inflating the rest), and the CRC-32 of what came
// out must match. The work is bounded by the sum of the declared sizes, which the caller limits.
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** The name as stored (folders end with '/'). */
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where the entry's data starts, after its local header. */
  dataOffset: number;
}

export interface ZipLimits {
  maxEntries: number;
  /** Bound on the sum of the declared uncompressed sizes. */
  maxTotalBytes: number;
}

/** `code` says what was wrong; the message names the entry. */
export class ZipError extends Error {
  override readonly name = 'ZipError';
  constructor(readonly code: 'not-zip' | 'too-many-entries' | 'too-large' | 'unsupported' | 'corrupt', message: string, readonly entry?: string) {
    super(message);
  }
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;

/** The entries of the archive, checked for consistency; `filter` sees each before its size counts. */
export function zipEntries(archive: Buffer, limits: ZipLimits): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(archive);
  const count = archive.readUInt16LE(eocd + 10);
  const directorySize = archive.readUInt32LE(eocd + 12);
  const directoryOffset = archive.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new ZipError('unsupported', 'ZIP64 archives are not supported (a VNF package is far below 4 GiB)');
  if (count > limits.maxEntries) throw new ZipError('too-many-entries', `the package has ${count} entries; at most ${limits.maxEntries} are accepted`);
  if (directoryOffset + directorySize > eocd) throw new ZipError('corrupt', 'the central directory lies outside the archive');

  const entries: ZipEntry[] = [];
  let total = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || archive.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError('corrupt', `central directory entry ${i + 1} is damaged`);
    const flags = archive.readUInt16LE(at + 8);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressedSize = archive.readUInt32LE(at + 20);
    const uncompressedSize = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const localOffset = archive.readUInt32LE(at + 42);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd > eocd) throw new ZipError('corrupt', `central directory entry ${i + 1} has a name beyond the directory`);
    const name = decodeName(archive.subarray(at + 46, nameEnd), (flags & FLAG_UTF8) !== 0);
    at = nameEnd + extraLength + commentLength;
    if (flags & FLAG_ENCRYPTED) throw new ZipError('unsupported', `the entry ${name} is encrypted`, name);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw new ZipError('unsupported', `the entry ${name} needs ZIP64`, name);
    }
    total += uncompressedSize;
    if (total > limits.maxTotalBytes) throw new ZipError('too-large', `the archive unpacks to more than ${limits.maxTotalBytes} bytes (at ${name})`, name);
    entries.push({ name, method, crc32: crc, compressedSize, uncompressedSize, dataOffset: dataOffsetOf(archive, localOffset, name, directoryOffset) });
  }
  refuseOverlaps(entries);
  for (const entry of entries) {
    if (entry.dataOffset + entry.compressedSize > directoryOffset) throw new ZipError('corrupt', `the data of ${entry.name} runs into the central directory`, entry.name);
  }
  return entries;
}

/** The entry's content: inflated no further than it declares, its length and CRC-32 checked. */
export function readZipEntry(archive: Buffer, entry: ZipEntry): Buffer {
  const data = archive.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let content: Buffer;
  if (entry.method === 0) {
    content = data;
  } else if (entry.method === 8) {
    try {
      // An empty maxOutputLength is not allowed: 0-byte entries inflate with a one-byte ceiling.
      content = inflateRawSync(data, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
    } catch (err) {
      const lies = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      throw new ZipError('corrupt', lies
        ? `the entry ${entry.name} inflates to more than the ${entry.uncompressedSize} bytes it declares`
        : `the entry ${entry.name} is not valid deflate data`, entry.name);
    }
  } else {
    throw new ZipError('unsupported', `the entry ${entry.name} uses ZIP compression method ${entry.method}; only stored (0) and deflate (8) are supported`, entry.name);
  }
  if (content.length !== entry.uncompressedSize) {
    throw new ZipError('corrupt', `the entry ${entry.name} is corrupt: it declares ${entry.uncompressedSize} bytes but holds ${content.length}`, entry.name);
  }
  if ((crc32(content) >>> 0) !== entry.crc32) throw new ZipError('corrupt', `the entry ${entry.name} fails its CRC-32 check`, entry.name);
  return content;
}

function findEndOfCentralDirectory(archive: Buffer): number {
  if (archive.length < EOCD_MIN) throw new ZipError('not-zip', 'the archive is too short to be a ZIP file');
  const earliest = Math.max(0, archive.length - EOCD_MIN - MAX_COMMENT);
  for (let at = archive.length - EOCD_MIN; at >= earliest; at--) {
    if (archive.readUInt32LE(at) === EOCD_SIGNATURE && at + EOCD_MIN + archive.readUInt16LE(at + 20) === archive.length) return at;
  }
  throw new ZipError('not-zip', 'no end of central directory record: this is not a ZIP archive (or it is truncated)');
}

function dataOffsetOf(archive: Buffer, localOffset: number, name: string, directoryOffset: number): number {
  if (localOffset + 30 > directoryOffset || archive.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) {
    throw new ZipError('corrupt', `the local header of ${name} is missing or damaged`, name);
  }
  const nameLength = archive.readUInt16LE(localOffset + 26);
  const extraLength = archive.readUInt16LE(localOffset + 28);
  const localName = archive.subarray(localOffset + 30, localOffset + 30 + nameLength);
  if (!localName.equals(Buffer.from(name, 'utf8')) && !localName.equals(Buffer.from(name, 'latin1'))) {
    throw new ZipError('corrupt', `the local header of ${name} names another file`, name);
  }
  return localOffset + 30 + nameLength + extraLength;
}

/** Each entry's data is its own: two entries sharing bytes is how a small archive inflates to gigabytes. */
function refuseOverlaps(entries: ZipEntry[]): void {
  const byStart = [...entries].sort((a, b) => a.dataOffset - b.dataOffset);
  for (let i = 1; i < byStart.length; i++) {
    const previous = byStart[i - 1] as ZipEntry;
    const current = byStart[i] as ZipEntry;
    if (current.dataOffset < previous.dataOffset + previous.compressedSize) {
      throw new ZipError('corrupt', `the entries ${previous.name} and ${current.name} overlap in the archive`, current.name);
    }
  }
}

function decodeName(bytes: Buffer, utf8: boolean): string {
  // Names without the UTF-8 flag are CP437 by the standard; the ASCII names of a CSAR read the same in latin1.
  return utf8 ? bytes.toString('utf8') : bytes.toString('latin1');
}
