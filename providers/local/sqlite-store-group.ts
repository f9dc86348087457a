import type { Write } from '../../shared/ports/store';
import { AppError } from '../../shared/errors';
import { type SqliteDatabase, unlessBusy } from './sqlite';

/** Batches of writes in one commit at most; more called in the same turn go in the next commit. */
export const MAX_BATCHES_PER_COMMIT = 256;

/** Thrown inside a batch's savepoint when one of its conditions does not hold. */
export const conditionFailed = new Error('condition failed');

interface Pending {
  writes: readonly Write[];
  /** The clock when the batch was called: expiry is decided against it, as for an immediate write. */
  now: number;
  resolve: (written: boolean) => void;
  reject: (e: unknown) => void;
}

export interface WriteGroup {
  /** Queues one batch (all or nothing, as putAll); resolves once it is committed. */
  add(writes: readonly Write[], now: number): Promise<boolean>;
  /** Commits whatever is queued now: called before every read, delete and close, so they see earlier writes. */
  flush(): void;
}

/**
 * Group commit for the state store: the batches written during one turn of the event loop (the
 * replay claims and records of the webhooks that serverless-offline handles side by side in one
 * process) go into one IMMEDIATE transaction, each batch in a savepoint of its own, so they take
 * the file's write lock once and append their pages to the WAL once. A claim and a record each
 * cost a commit of their own before (about 0.1 ms each, two per webhook).
 *
 * Each batch keeps its own outcome: one whose condition fails is rolled back to its savepoint and
 * resolves false while the others commit. A batch resolves only after the commit, so nothing is
 * acknowledged before it is written; calls are applied in call order, and every other operation
 * of the store commits the queue first, so a read still sees every write called before it.
 * A commit that fails with anything but a busy lock is tried again batch by batch, so one bad
 * batch fails alone; a lock held past the wait fails every batch of the group (store_busy).
 */
export function writeGroup(db: SqliteDatabase, writeOne: (w: Write, now: number) => boolean, onCommitted: (writes: number, now: number) => void): WriteGroup {
  const batch = db.transaction((writes: readonly Write[], now: number) => {
    for (const w of writes) if (!writeOne(w, now)) throw conditionFailed;
  });
  /** Inside the group's transaction: a batch in a savepoint (better-sqlite3 nests transactions so). */
  const applyOne = (p: Pending): boolean => {
    // One write is one statement: a failed condition changes nothing, no savepoint needed.
    if (p.writes.length === 1) return writeOne(p.writes[0]!, p.now);
    try {
      batch(p.writes, p.now);
      return true;
    } catch (e) {
      if (e === conditionFailed) return false;
      throw e;
    }
  };
  const group = db.transaction((items: readonly Pending[]) => items.map(applyOne));
  const pending: Pending[] = [];
  let scheduled = false;

  const commit = (items: Pending[]) => {
    let results: boolean[];
    try {
      results = unlessBusy(db, () => group.immediate(items));
    } catch (e) {
      // Rolled back whole. A busy lock would only be waited for again; anything else is tried
      // batch by batch, so that it fails the batch that caused it and no other.
      if (items.length === 1 || (e instanceof AppError && e.code === 'store_busy')) {
        for (const p of items) p.reject(e);
        return;
      }
      for (const p of items) commit([p]);
      return;
    }
    items.forEach((p, i) => p.resolve(results[i]!));
    const last = items[items.length - 1]!;
    onCommitted(items.reduce((n, p) => n + p.writes.length, 0), last.now);
  };
  const flush = () => {
    while (pending.length > 0) commit(pending.splice(0, MAX_BATCHES_PER_COMMIT));
  };
  const onImmediate = () => {
    scheduled = false;
    flush();
  };
  return {
    add(writes, now) {
      return new Promise<boolean>((resolve, reject) => {
        pending.push({ writes, now, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(onImmediate);
        }
      });
    },
    flush,
  };
}
