import { keys, sortableId } from '../../shared/delivery/keys';
import type { Delivery } from '../../shared/delivery/model';
import type { Deps } from '../../shared/ports';

/**
 * Time-bounded scans of a tenant's delivery log. Delivery ids are `msg_` + a 10-character
 * millisecond timestamp (base 32) + randomness, and the fan-out stamps createdAt with the same
 * instant, so the log is a key range in creation order:
 * - `since`: start after `msg_<time(since)>` with no random part, which sorts before every id of
 *   that millisecond and after every earlier one;
 * - `until`: stop at the first key past `msg_<time(until)>~` (`~` sorts after every id character).
 * Each record's createdAt is still checked, so the bounds are exact whatever the ids say.
 */
const timeKey = (tenant: string, ms: number) => keys.delivery(tenant, sortableId('msg_', Math.max(0, ms), () => new Uint8Array(0)));

/** What one scan reads at most by default (maxChars): as a dead-letter listing (dead-letters.ts). */
export const MAX_SCANNED_CHARS = 8 * 1024 * 1024;

/** Records of the first page: a scan meeting records kept whole reads 25 of them before it knows. */
const FIRST_PAGE = 25;

export interface ScanOptions {
  tenant: string;
  since?: number;
  until?: number;
  /** Continue after this key (a cursor); the later of it and `since` wins. */
  after?: string;
  /** Records read before the scan stops and reports where it got to. */
  maxScanned: number;
  /**
   * Characters of records read before it stops so. A record is a few hundred characters, but
   * one written before attempt responses were kept apart (shared/delivery/attempt-log.ts) holds
   * them inline, up to 20 KB each, and is read whole until it expires.
   */
  maxChars?: number;
  pageSize?: number;
}

export interface ScanVisit {
  key: string;
  version: string;
  delivery: Delivery;
}

/**
 * Calls `visit` for each delivery in the range, oldest first, until `visit` returns false, the
 * range ends, or `maxScanned` records (or `maxChars` characters) were read. Returns the last key visited when it stopped
 * early (more may follow), undefined when the range is exhausted.
 */
export async function scanDeliveries(deps: Deps, opts: ScanOptions, visit: (v: ScanVisit) => Promise<boolean> | boolean): Promise<string | undefined> {
  const prefix = keys.deliveries(opts.tenant);
  const from = opts.since === undefined ? undefined : timeKey(opts.tenant, opts.since);
  let after = from !== undefined && (opts.after === undefined || from > opts.after) ? from : opts.after;
  const end = opts.until === undefined ? undefined : `${timeKey(opts.tenant, opts.until)}~`;
  const { pageSize = 200, maxChars = MAX_SCANNED_CHARS } = opts;
  let scanned = 0;
  let chars = 0;
  for (;;) {
    // Pages sized to what the character budget has left at the size of the records read so far.
    // Until that size is known, FIRST_PAGE records are read, and then the rest of the first page.
    const quota = scanned === 0 ? Math.min(pageSize, FIRST_PAGE) : scanned < pageSize ? pageSize - scanned : pageSize;
    const fits = scanned === 0 ? quota : Math.max(1, Math.floor((maxChars - chars) / (chars / scanned)));
    const limit = Math.min(quota, opts.maxScanned - scanned, fits);
    const page = await deps.store.list(prefix, { limit, after });
    for (const item of page.items) {
      if (end !== undefined && item.key > end) return undefined;
      scanned += 1;
      chars += item.value.length;
      const delivery = JSON.parse(item.value) as Delivery;
      const created = Date.parse(delivery.createdAt);
      const inRange = !(opts.since !== undefined && created < opts.since) && !(opts.until !== undefined && created > opts.until);
      if (inRange && !(await visit({ key: item.key, version: item.version, delivery }))) return item.key;
      if (scanned >= opts.maxScanned || chars >= maxChars) return (await nothingAfter(deps, prefix, item.key, end)) ? undefined : item.key;
    }
    if (page.next === undefined || page.items.length === 0) return undefined;
    after = page.next;
  }
}

/** Whether the range holds no key after `key`: a scan that stops on its last record is complete. */
async function nothingAfter(deps: Deps, prefix: string, key: string, end: string | undefined): Promise<boolean> {
  const [next] = (await deps.store.list(prefix, { limit: 1, after: key })).items;
  return next === undefined || (end !== undefined && next.key > end);
}
