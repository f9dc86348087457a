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
  // than a sort of every key. Kept lazily: new keys wait in `added` and removed ones stay in
  // `sorted` (skipped, as they are no longer in the map) until the next list merges them in one
  // pass; splicing every write into place cost a move of the whole array per write.
  let sorted: string[] = [];
  let added: string[] = [];
  let stale = 0;
  const mergeIndex = () => {
    if (added.length === 0 && (stale < 64 || stale * 2 < sorted.length)) return;
    added.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < sorted.length || j < added.length) {
      const key = j >= added.length || (i < sorted.length && sorted[i]! <= added[j]!) ? sorted[i++]! : added[j++]!;
      // A key removed and written again is in both lists: keep one.
      if (items.has(key) && merged[merged.length - 1] !== key) merged.push(key);
    }
    sorted = merged;
    added = [];
    stale = 0;
  };
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
    if (items.delete(key)) stale++;
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
    if (!items.has(key)) added.push(key);
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
      mergeIndex();
      let i = lowerBound(prefix);
      if (opts.after !== undefined && opts.after >= prefix) {
        i = lowerBound(opts.after);
        if (sorted[i] === opts.after) i++;
      }
      const page: ListedItem[] = [];
      for (; i < sorted.length && sorted[i]!.startsWith(prefix); i++) {
        const key = sorted[i]!;
        const item = live(key);
        if (!item) continue; // removed or expired since the last merge
        if (page.length === limit) return { items: page, next: page[page.length - 1]!.key };
        page.push({ key, ...item });
      }
      return { items: page };
    },
    async delete(key) {
      remove(key);
    },
    async check() {},
  };
}
