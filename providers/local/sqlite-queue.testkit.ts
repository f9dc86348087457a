import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../shared/ports/clock';
import { type SqliteQueue, sqliteQueue } from './sqlite-queue';

export const START = Date.parse('2026-01-01T00:00:00Z');

export interface QueueRig {
  dir: string;
  clock: ReturnType<typeof fixedClock>;
  /** A queue on `<dir>/data/queue.db`, closed after the test. */
  connect(o?: { name?: string; maxAttempts?: number }): SqliteQueue;
  /** The queues closed after the test: a test adds its own, or empties it after closing them itself. */
  open: SqliteQueue[];
}

/** Per test, a new temporary folder and a clock at START, given to `set`; the folder and every queue connected are gone after the test. */
export function eachQueueRig(prefix: string, set: (rig: QueueRig) => void): void {
  const open: SqliteQueue[] = [];
  let dir: string | undefined;
  beforeEach(() => {
    const root = mkdtempSync(join(tmpdir(), prefix));
    dir = root;
    const clock = fixedClock(START);
    set({
      dir: root,
      clock,
      open,
      connect: (o = {}) => {
        const q = sqliteQueue({ path: join(root, 'data', 'queue.db'), clock, ...o });
        open.push(q);
        return q;
      },
    });
  });
  afterEach(() => {
    for (const q of open.splice(0)) q.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
}
