import type { Pool } from 'pg';
import type { StoreSql } from './store-sql';

/**
 * Garbage collection of the PostgreSQL store: rows expired longer than the margin (by the
 * injected clock) are deleted in small batches every GC_EVERY writes. Expiry itself is judged by
 * every read; this only keeps the table from growing.
 */
const GC_EVERY = 256;
const DEFAULT_GC_MARGIN_MS = 3_600_000;

export interface SweepOptions {
  gcMarginMs?: number;
  random?: () => number;
}

/** Counts this instance's writes and runs one collection batch whenever the count crosses GC_EVERY. */
export function sweeper(pool: Pool, sql: StoreSql, opts: SweepOptions): (count: number, now: number) => Promise<void> {
  const gcMargin = opts.gcMarginMs ?? DEFAULT_GC_MARGIN_MS;
  // A random start: each write crosses an interval boundary with odds 1 in GC_EVERY, whatever
  // the instance's lifetime.
  let writes = Math.floor((opts.random ?? Math.random)() * GC_EVERY);
  return async (count, now) => {
    const before = writes;
    writes += count;
    if (Math.floor(before / GC_EVERY) === Math.floor(writes / GC_EVERY)) return;
    await pool.query(sql.gc, [now - gcMargin]).catch(() => undefined); // housekeeping only
  };
}
