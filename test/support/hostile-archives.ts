// Archives built as attacks on the package reader, shared by the hostile-package tests and the
// benchmark that measures the API while they are being refused (bench figure 8).
import { deflateRawSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';

export function zip(files: Record<string, string | Uint8Array>): Buffer {
  return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([name, content]) => [name, typeof content === 'string' ? strToU8(content) : content]))));
}

/**
 * Two entries whose data overlap: the first (stored) holds the second's local header and its
 * deflate stream of 32 MiB of zeros. Repeat the trick and a 32 KiB archive names gigabytes.
 */
export function overlappingArchive(): Buffer {
  const bomb = deflateRawSync(Buffer.alloc(32 * 1024 * 1024));
  const name2 = Buffer.from('Files/b.bin');
  const local2 = Buffer.alloc(30);
  local2.writeUInt32LE(0x04034b50, 0);
  local2.writeUInt16LE(20, 4);
  local2.writeUInt16LE(8, 8);
  local2.writeUInt32LE(bomb.length, 18);
  local2.writeUInt32LE(32 * 1024 * 1024, 22);
  local2.writeUInt16LE(name2.length, 26);
  const second = Buffer.concat([local2, name2, bomb]);
  const name1 = Buffer.from('Files/a.bin');
  const local1 = Buffer.alloc(30);
  local1.writeUInt32LE(0x04034b50, 0);
  local1.writeUInt16LE(20, 4);
  local1.writeUInt32LE(second.length, 18);
  local1.writeUInt32LE(second.length, 22);
  local1.writeUInt16LE(name1.length, 26);
  const body = Buffer.concat([local1, name1, second]);
  const central = (name: Buffer, method: number, compressed: number, size: number, offset: number): Buffer => {
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt32LE(compressed, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    return Buffer.concat([entry, name]);
  };
  const directory = Buffer.concat([
    central(name1, 0, second.length, second.length, 0),
    central(name2, 8, bomb.length, 32 * 1024 * 1024, local1.length + name1.length),
  ]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(2, 8);
  end.writeUInt16LE(2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(body.length, 16);
  return Buffer.concat([body, directory, end]);
}

/**
 * One entry that declares `declaredBytes` and holds `heldBytes` of zeros (deflated to about a
 * thousandth): the reader inflates up to the declared size, then refuses it. The most work an
 * upload within the limits can ask of the reader.
 */
export function lyingEntryArchive(declaredBytes: number, heldBytes: number): Buffer {
  const archive = zip({ 'Files/zeros.bin': new Uint8Array(heldBytes) });
  const local = archive.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const central = archive.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  archive.writeUInt32LE(declaredBytes, local + 22);
  archive.writeUInt32LE(declaredBytes, central + 24);
  return archive;
}

/** A TOSCA.meta of one line of a million spaces (the quadratic-regex attack). */
export function spacesMetaArchive(): Buffer {
  return zip({ 'TOSCA-Metadata/TOSCA.meta': `Created-by:${' '.repeat(1024 * 1024)}x\n` });
}

/** A well-formed package whose VNFD is 4 MiB of comment. */
export function hugeVnfdArchive(): Buffer {
  const meta = 'TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-by: test\nEntry-Definitions: Definitions/vnfd.yaml\n';
  return zip({ 'TOSCA-Metadata/TOSCA.meta': meta, 'Definitions/vnfd.yaml': `# ${'x'.repeat(4 * 1024 * 1024)}\n` });
}
