import { MAX_BATCH_WRITES, type StateStore, type Write } from '../../ports/store';

/**
 * The conditional writes of a sweep's concurrent attempts (leases, outcomes), committed together.
 * Writes handed in during one turn of the event loop go to the store as one putAll: on a store
 * that commits each call (SQLite: one WAL commit per transaction) a batch costs about what one
 * write did. Each caller still gets its own answer: a batch is all or nothing, so when it is
 * refused (one lease lost to another worker) or fails, every caller's writes are tried again on
 * their own, and only the caller whose condition fails sees false.
 */
export type PutAll = (writes: readonly Write[]) => Promise<boolean>;

interface Pending {
  writes: readonly Write[];
  resolve: (ok: boolean) => void;
  reject: (e: unknown) => void;
}

export function batchedWrites(store: StateStore): PutAll {
  let pending: Pending[] = [];
  // The writes of `pending`, in order, gathered as they come rather than joined at the commit.
  let batchWrites: Write[] = [];
  const keys = new Set<string>();
  let scheduled = false;

  const alone = async (p: Pending) => {
    try {
      p.resolve(await store.putAll(p.writes));
    } catch (e) {
      p.reject(e);
    }
  };
  const commit = async (batch: Pending[], writes: Write[]) => {
    if (batch.length === 1) return alone(batch[0]!);
    let ok = false;
    try {
      ok = await store.putAll(writes);
    } catch {
      // Nothing was written (putAll is atomic): each caller learns its own outcome below.
    }
    if (ok) for (const p of batch) p.resolve(true);
    else await Promise.all(batch.map(alone));
  };
  const flush = () => {
    const batch = pending;
    const writes = batchWrites;
    pending = [];
    batchWrites = [];
    keys.clear();
    if (batch.length > 0) void commit(batch, writes);
  };
  const overlaps = (writes: readonly Write[]) => {
    for (const w of writes) if (keys.has(w.key)) return true;
    return false;
  };

  return (writes) =>
    new Promise<boolean>((resolve, reject) => {
      // A batch holds at most MAX_BATCH_WRITES distinct keys; what does not fit starts the next one.
      if (keys.size + writes.length > MAX_BATCH_WRITES || overlaps(writes)) flush();
      pending.push({ writes, resolve, reject });
      for (const w of writes) {
        keys.add(w.key);
        batchWrites.push(w);
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    });
}
