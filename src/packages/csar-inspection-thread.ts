// The worker thread of CsarInspector (csar-inspection.ts): reads one CSAR per message, so that
// inflating and parsing a package never runs on a server's event loop.
import { parentPort } from 'node:worker_threads';
import { CsarError, readCsar, type CsarLimits } from './csar.ts';

export interface InspectionRequest {
  archive: Uint8Array;
  limits: Partial<CsarLimits>;
  /** See CsarInspectorOptions.startGate. */
  startGate?: Int32Array;
}

parentPort?.on('message', ({ archive, limits, startGate }: InspectionRequest) => {
  if (startGate) Atomics.wait(startGate, 0, 0);
  try {
    const csar = readCsar(archive, limits);
    // Fresh buffers, moved rather than copied: an inflated file may sit in Node's shared buffer pool.
    const files = new Map([...csar.files].map(([path, bytes]) => [path, new Uint8Array(bytes)]));
    parentPort?.postMessage({ csar: { ...csar, files } }, [...files.values()].map((bytes) => bytes.buffer));
  } catch (err) {
    parentPort?.postMessage(err instanceof CsarError
      ? { refused: { fault: err.fault, message: err.message, file: err.file } }
      : { failed: err instanceof Error ? err.message : String(err) });
  }
});
