import type { Clock } from '../ports/clock';
import { checkWrites, listLimit, type ListedItem, type PutOptions, type StateStore, type StoredItem } from '../ports/store';

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
  const holds = (key: string, opts: PutOptions) => {
    const current = live(key);
    if (opts.ifAbsent && current) return false;
    return opts.ifVersion === undefined || current?.version === opts.ifVersion;
  };
  const write = (key: string, value: string, opts: PutOptions) => {
    const item: StoredItem = { value, version: String(++versions) };
    if (opts.ttlSeconds !== undefined) item.expiresAt = clock.now() + opts.ttlSeconds * 1000;
    items.set(key, item);
  };
  return {
    async get(key) {
      const item = live(key);
      return item ? { ...item } : undefined;
    },
    async put(key: string, value: string, opts: PutOptions = {}) {
      if (!holds(key, opts)) return false;
      write(key, value, opts);
      return true;
    },
    async putAll(writes) {
      checkWrites(writes);
      if (!writes.every((w) => holds(w.key, w.opts ?? {}))) return false;
      for (const w of writes) write(w.key, w.value, w.opts ?? {});
      return true;
    },
    async list(prefix, opts = {}) {
      const limit = listLimit(opts);
      const keys = [...items.keys()].filter((k) => k.startsWith(prefix) && (opts.after === undefined || k > opts.after)).sort();
      const page: ListedItem[] = [];
      for (const key of keys) {
        const item = live(key);
        if (!item) continue;
        if (page.length === limit) return { items: page, next: page[page.length - 1]!.key };
        page.push({ key, ...item });
      }
      return { items: page };
    },
    async delete(key) {
      items.delete(key);
    },
    async check() {},
  };
}
