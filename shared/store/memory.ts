import type { Clock } from '../ports/clock';
import type { PutOptions, StateStore, StoredItem } from '../ports/store';

/**
 * In-process state store for tests and single-process tools. Not for serverless-offline, whose
 * worker threads do not share memory: the local default is the SQLite store.
 */
export function memoryStore(clock: Clock): StateStore {
  const items = new Map<string, StoredItem>();
  let versions = 0;
  const live = (key: string): StoredItem | undefined => {
    const item = items.get(key);
    if (item && item.expiresAt !== undefined && item.expiresAt <= clock.now()) {
      items.delete(key);
      return undefined;
    }
    return item;
  };
  return {
    async get(key) {
      const item = live(key);
      return item ? { ...item } : undefined;
    },
    async put(key: string, value: string, opts: PutOptions = {}) {
      const current = live(key);
      if (opts.ifAbsent && current) return false;
      if (opts.ifVersion !== undefined && current?.version !== opts.ifVersion) return false;
      const item: StoredItem = { value, version: String(++versions) };
      if (opts.ttlSeconds !== undefined) item.expiresAt = clock.now() + opts.ttlSeconds * 1000;
      items.set(key, item);
      return true;
    },
    async delete(key) {
      items.delete(key);
    },
    async check() {},
  };
}
