import type { Clock } from '../ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type ListedItem, type PutOptions, type StateStore, type StoredItem } from '../ports/store';

/**
 * In-process state store for tests and single-process tools. Not for serverless-offline, whose
 * worker threads do not share memory: the local default is the SQLite store.
 */
export function memoryStore(clock: Clock): StateStore {
  const items = new Map<string, StoredItem>();
  let versions = 0;
  // Keys in code-unit order beside the map, so a page is a binary search and a walk rather
  // than a sort of every key (the delivery sweep lists a page per lane).
  const sorted: string[] = [];
  const lowerBound = (key: string): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const remove = (key: string) => {
    if (!items.delete(key)) return;
    const i = lowerBound(key);
    if (sorted[i] === key) sorted.splice(i, 1);
  };
  const live = (key: string): StoredItem | undefined => {
    const item = items.get(key);
    if (item && item.expiresAt !== undefined && item.expiresAt <= clock.now()) {
      remove(key);
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
    const item: StoredItem = { value, version: opts.newVersion ?? String(++versions) };
    if (opts.ttlSeconds !== undefined) item.expiresAt = clock.now() + opts.ttlSeconds * 1000;
    if (!items.has(key)) sorted.splice(lowerBound(key), 0, key);
    items.set(key, item);
  };
  return {
    async get(key) {
      const item = live(key);
      return item ? { ...item } : undefined;
    },
    async put(key: string, value: string, opts: PutOptions = {}) {
      checkPutOptions(opts);
      if (!holds(key, opts)) return false;
      write(key, value, opts);
      return true;
    },
    async putAll(writes) {
      checkWrites(writes);
      if (!writes.every((w) => isDelete(w) || holds(w.key, w.opts ?? {}))) return false;
      for (const w of writes) {
        if (isDelete(w)) remove(w.key);
        else write(w.key, w.value, w.opts ?? {});
      }
      return true;
    },
    async list(prefix, opts = {}) {
      const limit = listLimit(opts);
      let i = lowerBound(prefix);
      if (opts.after !== undefined && opts.after >= prefix) {
        i = lowerBound(opts.after);
        if (sorted[i] === opts.after) i++;
      }
      const page: ListedItem[] = [];
      while (i < sorted.length && sorted[i]!.startsWith(prefix)) {
        const key = sorted[i]!;
        const item = live(key);
        if (!item) continue; // expired: live() removed it from `sorted`, so i is already the next key
        if (page.length === limit) return { items: page, next: page[page.length - 1]!.key };
        page.push({ key, ...item });
        i++;
      }
      return { items: page };
    },
    async delete(key) {
      remove(key);
    },
    async check() {},
  };
}
