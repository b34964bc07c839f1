// Hostile VNF packages, each written as the attack: archives whose entries share their data (a
// small upload that would inflate to gigabytes), entries that lie about their size or content,
// metadata and VNFDs built to make a parser work for minutes, and a flood of uploads. Each is
// refused with a precise error, bounded in work, and checked off the event loop.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { listen } from '../src/http/listen.ts';

import { SAMPLE_PACKAGES, SAMPLES_DIR } from '../src/inventory/sample.ts';
import { buildCsar, CsarError, readCsar } from '../src/packages/csar.ts';
import { CsarInspector } from '../src/packages/csar-inspection.ts';
import { readSoftwareImages } from '../src/vnfd/software-images.ts';
import { hugeVnfdArchive, lyingEntryArchive, overlappingArchive, spacesMetaArchive, zip } from './support/hostile-archives.ts';

const sample = buildCsar(join(SAMPLES_DIR, SAMPLE_PACKAGES[0].dir));

/** The offsets of the first local header and central directory entry of a one-file archive. */
function headers(archive: Buffer): { local: number; central: number } {
  return { local: archive.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])), central: archive.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) };
}

function refusal(archive: Uint8Array, limits = {}): CsarError {
  try {
    readCsar(archive, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(CsarError);
    return err as CsarError;
  }
  throw new Error('the package was accepted');
}

describe('archives that lie', () => {
  it('refuses entries that share their data, before inflating anything', () => {
    const archive = overlappingArchive();
    expect(archive.length).toBeLessThan(64 * 1024);

    const err = refusal(archive);

    expect(err.fault).toBe('archive');
    expect(err.message).toBe('the entries Files/a.bin and Files/b.bin overlap in the archive');
  });

  it('refuses two directory entries that name one local header', () => {
    const archive = zip({ 'Files/a.txt': 'a', 'Files/b.txt': 'b' });
    const { central } = headers(archive);
    const second = archive.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), central + 4);
    archive.writeUInt32LE(0, second + 42); // the second entry points at the first one's header

    expect(refusal(archive).message).toBe('the local header of Files/b.txt names another file');
  });

  it('stops inflating an entry at the size it declares, and refuses it', () => {
    const archive = lyingEntryArchive(100, 10 * 1024 * 1024);

    expect(refusal(archive).message).toBe('the entry Files/zeros.bin inflates to more than the 100 bytes it declares');
  });

  it('refuses an entry that holds less than it declares', () => {
    const archive = zip({ 'Files/small.bin': 'x'.repeat(1000) });
    const { local, central } = headers(archive);
    archive.writeUInt32LE(5000, local + 22);
    archive.writeUInt32LE(5000, central + 24);

    expect(refusal(archive).message).toBe('the entry Files/small.bin is corrupt: it declares 5000 bytes but holds 1000');
  });

  it('refuses an entry whose content fails its CRC-32', () => {
    const archive = zip({ 'Files/a.txt': 'hello' });
    const { local, central } = headers(archive);
    archive.writeUInt32LE(0xdeadbeef, local + 14);
    archive.writeUInt32LE(0xdeadbeef, central + 16);

    expect(refusal(archive).message).toBe('the entry Files/a.txt fails its CRC-32 check');
  });

  it('refuses an archive whose declared sizes add up to more than the content limit, before inflating', () => {
    const archive = zip({ 'Files/a.bin': new Uint8Array(6000), 'Files/b.bin': new Uint8Array(6000) });

    expect(refusal(archive, { maxContentBytes: 10_000 })).toMatchObject({ fault: 'too-large', message: 'the archive unpacks to more than 10000 bytes (at Files/b.bin)' });
  });

  it('refuses bytes that are no ZIP archive', () => {
    expect(refusal(Buffer.from('not a zip at all, just text'))).toMatchObject({ fault: 'archive' });
  });
});

describe('metadata and VNFDs built to make a parser work', () => {
  it('refuses a TOSCA.meta larger than 64 KiB before parsing it (a line of a million spaces)', () => {
    const err = refusal(spacesMetaArchive());

    expect(err).toMatchObject({ fault: 'metadata', message: `TOSCA-Metadata/TOSCA.meta is ${1024 * 1024 + 13} bytes; at most 65536 are accepted for it` });
  });

  it('reads a pathological TOSCA.meta line under the limit in one pass, and says which line is wrong', () => {
    const err = refusal(zip({ 'TOSCA-Metadata/TOSCA.meta': `TOSCA-Meta-File-Version: 1.0\na${' '.repeat(60_000)}!\n` }));

    expect(err.fault).toBe('metadata');
    expect(err.message).toMatch(/^TOSCA-Metadata\/TOSCA.meta: line 2 is not "Key: value"/);
  });

  it('refuses a VNFD larger than 1 MiB before parsing it', () => {
    const err = refusal(hugeVnfdArchive());

    expect(err).toMatchObject({ fault: 'vnfd', file: 'Definitions/vnfd.yaml' });
    expect(err.message).toMatch(/^Definitions\/vnfd.yaml is 4194307 bytes; at most 1048576 are accepted for it$/);
  });

  it('reads a pathological image size in one pass, and refuses it', () => {
    const vnfd = [
      'topology_template:',
      '  node_templates:',
      '    VDU1:',
      '      properties:',
      '        sw_image_data:',
      '          name: image',
      `          size: "1${' '.repeat(60_000)}!"`,
    ].join('\n');

    expect(() => readSoftwareImages(vnfd)).toThrow(/^VDU1: sw_image_data.size is "1 {79}", not a TOSCA scalar-unit.size such as "1 GB"$/);
  });
});

describe('checking packages off the event loop', () => {
  const inspectors: CsarInspector[] = [];
  afterAll(async () => {
    await Promise.all(inspectors.map((i) => i.close()));
  });

  it('reads a package in a worker thread exactly as in the calling thread', async () => {
    const inspector = new CsarInspector();
    inspectors.push(inspector);

    const offThread = await inspector.inspect(sample);

    const here = readCsar(sample);
    expect(offThread.vnfd).toEqual(here.vnfd);
    expect(offThread.meta).toEqual(here.meta);
    expect([...offThread.files.keys()]).toEqual([...here.files.keys()]);
    for (const [path, bytes] of here.files) expect(Buffer.from(offThread.files.get(path) ?? []).equals(Buffer.from(bytes)), path).toBe(true);
  });

  it('refuses a hostile package from the thread with the same precise error', async () => {
    const inspector = new CsarInspector();
    inspectors.push(inspector);

    const err = await inspector.inspect(overlappingArchive()).then(() => undefined, (e: unknown) => e);

    expect(err).toBeInstanceOf(CsarError);
    expect(err).toMatchObject({ fault: 'archive', message: 'the entries Files/a.bin and Files/b.bin overlap in the archive' });
  });

  it('keeps the event loop answering while a package is being checked', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const inspector = new CsarInspector({ startGate: gate });
    inspectors.push(inspector);
    const server = createServer((_req, res) => res.end('ok'));
    const url = await listen(server, '127.0.0.1', 0);
    let settled = false;
    const inspection = inspector.inspect(overlappingArchive()).finally(() => (settled = true)).catch((e: unknown) => e);
    try {
      // The thread holds the inspection until the gate opens: whatever this loop serves meanwhile
      // is served while a package is being checked.
      for (let i = 0; i < 20; i++) {
        const res = await request(url);
        expect(await res.body.text()).toBe('ok');
      }
      expect(settled).toBe(false);
    } finally {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      server.close();
    }
    expect(await inspection).toBeInstanceOf(CsarError);
  });

  it('refuses an upload at once when every thread is busy and the queue is full', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const inspector = new CsarInspector({ threads: 1, maxQueued: 1, startGate: gate });
    inspectors.push(inspector);

    const running = inspector.inspect(sample);
    const queued = inspector.inspect(sample);
    const refused = await inspector.inspect(sample).then(() => undefined, (e: unknown) => e);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);

    expect(refused).toMatchObject({ fault: 'busy', message: '2 VNF packages are being checked; try again later' });
    expect((await running).vnfd.vnfdId).toBe((await queued).vnfd.vnfdId);
  });
});
