import type Redis from 'ioredis';
import { systemClock } from '../../shared/ports/clock';
import { dropGone, type StoreKeys } from './store-lua';

/**
 * The sweep of the Redis store: every GC_EVERY writes, the index entries of items whose native
 * expiry has passed, read from the expiry set by score (housekeeping only). Items with a TTL are
 * mostly read by key and never listed, so `list` alone would leave their entries behind.
 */
const GC_EVERY = 256;
const GC_BATCH = 500;

/** Counts this instance's writes and sweeps whenever the count crosses GC_EVERY; none with `gcMargin` false. */
export function sweeper(
  client: Redis, keys: StoreKeys, gcMargin: number | false, random: () => number = Math.random,
): (count: number) => Promise<void> {
  // A random start: each write crosses an interval boundary with odds 1 in GC_EVERY, whatever
  // the instance's lifetime.
  let writes = Math.floor(random() * GC_EVERY);
  return async (count) => {
    const before = writes;
    writes += count;
    if (gcMargin === false || Math.floor(before / GC_EVERY) === Math.floor(writes / GC_EVERY)) return;
    try {
      const due = await client.zrangebyscore(keys.expiring, '-inf', systemClock.now(), 'LIMIT', 0, GC_BATCH);
      if (due.length > 0) await dropGone(client, keys, due);
    } catch {
      // The next sweep, or a list of the prefix, tries again.
    }
  };
}
