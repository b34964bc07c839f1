// Persistence of the VIM simulator's state in one JSON file (see src/persistence/snapshot-file.ts):
// written whole and atomically, coalesced to at most one write per interval.
import { SnapshotFile, SnapshotSaveScheduler } from '../persistence/snapshot-file.ts';
import { VimState } from './state.ts';

export class StateFile extends SnapshotFile<VimState> {
  constructor(path: string) {
    super(path, VimState, 'VIM state');
  }
}

/** The VIM's state object is changed in place; each write saves it as it is then. */
export class SaveScheduler extends SnapshotSaveScheduler<VimState> {
  constructor(file: StateFile, state: VimState, intervalMs: number, log: (line: string) => void) {
    super(file, () => state, intervalMs, log);
  }
}
