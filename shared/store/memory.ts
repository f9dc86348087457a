import type { Clock } from '../ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type ListedItem, type PutOptions, type StateStore, type StoredItem } from '../ports/store';
import { checkStoreWrites, checkText, expiryOf } from './text-and-ttl';

export interface MemoryStoreOptions {
  /**
   * How many new keys may wait beside the sorted index before they are merged into it (this
   * many, or the square root of the index's size when that is more). Tests set it low to
   * exercise the merge.
   */
  recentCap?: number;
}

const RECENT_CAP = 1024;
const NAME = 'memoryStore';

const lowerBound = (keys: readonly string[], key: string): number => {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * In-process state store for tests and single-process tools. Not for serverless-offline: each
 * function bundle would hold its own copy, and the router and delivery workers are other
 * processes. The local default is the SQLite store.
 */
export function memoryStore(clock: Clock, opts: MemoryStoreOptions = {}): StateStore {
  const items = new Map<string, StoredItem>();
  let versions = 0;
  // Keys in code-unit order beside the map, so a page is a binary search and a walk rather
  // than a sort of every key. Two sorted arrays: `sorted`, the bulk, and `recent`, the keys new
  // since the last merge, each placed by binary search; a page walks both in step. Merging moves
  // every key, so it waits until `recent` is full (see recentCap): merging whenever a list
  // followed a write made fan-out, which lists subscriptions after writing each event's
  // deliveries, quadratic in the number of keys. Removed keys stay in the arrays (skipped, as
  // they are no longer in the map) until enough of them pile up for a merge to drop them.
  const recentCap = Math.max(1, opts.recentCap ?? RECENT_CAP);
  let sorted: string[] = [];
  let recent: string[] = [];
  let stale = 0;
  const merge = () => {
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < sorted.length || j < recent.length) {
      const key = j >= recent.length || (i < sorted.length && sorted[i]! <= recent[j]!) ? sorted[i++]! : recent[j++]!;
      // A key removed and written again is in both arrays: keep one.
      if (items.has(key) && merged[merged.length - 1] !== key) merged.push(key);
    }
    sorted = merged;
    recent = [];
    stale = 0;
  };
  const added = (key: string) => {
    const at = lowerBound(recent, key);
    if (recent[at] !== key) recent.splice(at, 0, key);
    if (recent.length > Math.max(recentCap, Math.sqrt(sorted.length))) merge();
  };
  // Never during a page's walk, which holds indexes into both arrays.
  const mergeIfStale = () => {
    if (stale >= 64 && stale * 2 >= sorted.length + recent.length) merge();
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
    if (opts.ttlSeconds !== undefined) item.expiresAt = expiryOf(clock.now(), opts.ttlSeconds);
    const isNew = !items.has(key);
    items.set(key, item); // before added(key): a merge keeps only keys in the map
    if (isNew) added(key);
  };
  return {
    async get(key) {
      checkText(NAME, 'key', key);
      const item = live(key);
      return item ? { ...item } : undefined;
    },
    async put(key: string, value: string, opts: PutOptions = {}) {
      checkPutOptions(opts);
      checkStoreWrites(NAME, [{ key, value, opts }]);
      if (!holds(key, opts)) return false;
      write(key, value, opts);
      return true;
    },
    async putAll(writes) {
      checkWrites(writes);
      checkStoreWrites(NAME, writes);
      if (!writes.every((w) => isDelete(w) || holds(w.key, w.opts ?? {}))) return false;
      for (const w of writes) {
        if (isDelete(w)) remove(w.key);
        else write(w.key, w.value, w.opts ?? {});
      }
      return true;
    },
    async list(prefix, opts = {}) {
      const limit = listLimit(opts);
      checkText(NAME, 'prefix', prefix);
      if (opts.after !== undefined) checkText(NAME, 'cursor', opts.after);
      mergeIfStale();
      const from = opts.after !== undefined && opts.after >= prefix ? opts.after : prefix;
      let i = lowerBound(sorted, from);
      let j = lowerBound(recent, from);
      const page: ListedItem[] = [];
      for (;;) {
        const a = sorted[i];
        const b = recent[j];
        let key: string;
        if (a !== undefined && (b === undefined || a <= b)) {
          key = a;
          i++;
          if (a === b) j++; // removed and written again since the last merge
        } else if (b !== undefined) {
          key = b;
          j++;
        } else break;
        if (!key.startsWith(prefix)) break;
        if (key === opts.after) continue;
        const item = live(key);
        if (!item) continue; // removed or expired
        if (page.length === limit) return { items: page, next: page[page.length - 1]!.key };
        page.push({ key, ...item });
      }
      return { items: page };
    },
    async delete(key) {
      checkText(NAME, 'key', key);
      remove(key);
    },
    async check() {},
  };
}
