import { AppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import { type Deps, type ListedItem, MAX_LIST_LIMIT, type ObjectStorage } from '../../ports';
import { decodeJsonLines, encodeJsonLines, JSON_LINES } from './codec';
import { archiveKeys, eventHour, hourOfKey, objectKey } from './keys';
import { requireValidPrefix } from './prefix';
import { type ArchiveConfig, deleteKeys, releaseLease, requireObjects, takeLease } from './runtime';

/** Longer than any flush may take (a tick's budget, an inline flush's): expiry only frees a dead flusher's lease. */
const LEASE_SECONDS = 300;

export interface FlushReport {
  /** Objects written by this flush. */
  objects: number;
  /** Events in them. */
  events: number;
  /** Events of an interrupted earlier flush whose object was found written and whose buffer keys were removed now. */
  recovered: number;
  /** Another flusher holds the lease: nothing was done. */
  busy?: true;
  /** The deadline came first: events may remain for the next flush. */
  stoppedEarly?: true;
}

interface Journal {
  bucket: string;
  key: string;
  hour: string;
}

/**
 * The bytes of event JSON one batch may hold. A batch is held in memory several times over (the
 * listed values, the parsed events, the gzip output): without this cap, maxEvents large events
 * (1000 events of 1 MiB) exceed a function's memory, and since the next flush cuts the same batch
 * again, every flush dies the same way and the archive never drains.
 */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;
/** Listing pages are smaller than the store allows, so one page of large events stays small too. */
const PAGE = 100;

/**
 * The oldest hour's buffered events in key order: at most maxEvents of them and at most maxBytes
 * of JSON, but always at least one (an event larger than maxBytes goes out alone).
 */
async function nextBatch(name: string, maxEvents: number, maxBytes: number, deps: Deps): Promise<ListedItem[]> {
  const items: ListedItem[] = [];
  let bytes = 0;
  let after: string | undefined;
  do {
    const page = await deps.store.list(archiveKeys.buffer(name), { limit: Math.min(MAX_LIST_LIMIT, PAGE, maxEvents - items.length), ...(after ? { after } : {}) });
    for (const item of page.items) {
      if (items.length > 0 && hourOfKey(item.key) !== hourOfKey(items[0]!.key)) return items;
      const size = Buffer.byteLength(item.value, 'utf8');
      if (items.length > 0 && bytes + size > maxBytes) return items;
      items.push(item);
      bytes += size;
    }
    after = page.next;
  } while (after !== undefined && items.length < maxEvents);
  return items;
}

/** Buffer keys of events (index keys too, for those without `time`). */
function keysOf(name: string, hour: string, events: readonly CloudEvent[]): string[] {
  return events.flatMap((e) => [archiveKeys.event(name, hour, e), ...(eventHour(e) === undefined ? [archiveKeys.index(name, e)] : [])]);
}

/**
 * Removes from the buffer exactly the events an already written object holds: the object is the
 * truth, since events may have joined the buffer (even between its first and last key) after it
 * was written. Returns how many events the object holds (0: no such object).
 */
async function settle(name: string, objects: ObjectStorage, journal: Journal, deps: Deps): Promise<number> {
  const body = await objects.get(journal.bucket, journal.key);
  if (!body) return 0;
  const events = (await decodeJsonLines(body)) as CloudEvent[];
  await deleteKeys(deps.store, keysOf(name, journal.hour, events));
  return events.length;
}

/** Writes one batch as one object, then deletes its buffer keys; returns the number of events the object holds. */
async function writeBatch(name: string, config: ArchiveConfig, objects: ObjectStorage, batch: ListedItem[], deps: Deps): Promise<number> {
  const hour = hourOfKey(batch[0]!.key);
  const journal: Journal = { bucket: config.bucket, key: objectKey(config.prefix, hour, batch[0]!.key, batch[batch.length - 1]!.key, batch.length), hour };
  const events = batch.map((item) => JSON.parse(item.value) as CloudEvent);
  // Written before the object: if the process dies after the object write, the next flush finds
  // this journal and removes the events that object holds (settle) instead of writing them again.
  await deps.store.put(archiveKeys.journal(name), JSON.stringify(journal));
  let written = batch.length;
  try {
    await objects.put(journal.bucket, journal.key, await encodeJsonLines(batch.map((i) => i.value)), { contentType: JSON_LINES, contentEncoding: 'gzip', ifAbsent: true });
    await deleteKeys(deps.store, keysOf(name, hour, events));
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'object_exists') throw e;
    // The same batch was written before (a flusher whose lease expired mid-write): keep what it holds.
    written = await settle(name, objects, journal, deps);
    deps.logger.warn('archive batch was already written; removed its events from the buffer', { destination: name, key: journal.key, events: written });
    if (written === 0) throw new AppError('archive_conflict', `Destination ${name}: ${journal.key} exists but holds no events`, { status: 500, retryable: true, expose: false });
  }
  await deps.store.delete(archiveKeys.journal(name));
  return written;
}

/**
 * Writes the buffered events of an archive destination as gzip JSON Lines, one object per
 * partition hour and at most maxEvents events (and maxBytes of JSON, default MAX_BATCH_BYTES) per
 * object, oldest hour first, until the buffer is empty or the deadline passes. Safe to run from
 * several places (the schedule, an inline flush): one holds the lease, the others return busy.
 */
export async function flushArchive(name: string, config: ArchiveConfig, deps: Deps, opts: { deadline: number; maxBytes?: number }): Promise<FlushReport> {
  const objects = requireObjects(name, deps);
  requireValidPrefix(name, config.prefix);
  const owner = deps.ids.uuid();
  const report: FlushReport = { objects: 0, events: 0, recovered: 0 };
  if (!(await takeLease(deps.store, archiveKeys.lease(name), owner, LEASE_SECONDS))) return { ...report, busy: true };
  try {
    const pending = await deps.store.get(archiveKeys.journal(name));
    if (pending) {
      report.recovered = await settle(name, objects, JSON.parse(pending.value) as Journal, deps);
      await deps.store.delete(archiveKeys.journal(name));
      if (report.recovered > 0) deps.logger.warn('archive flush recovered an interrupted batch', { destination: name, events: report.recovered });
    }
    for (;;) {
      if (deps.clock.now() >= opts.deadline) {
        report.stoppedEarly = true;
        break;
      }
      const batch = await nextBatch(name, config.maxEvents, opts.maxBytes ?? MAX_BATCH_BYTES, deps);
      if (batch.length === 0) break;
      report.events += await writeBatch(name, config, objects, batch, deps);
      report.objects += 1;
    }
    return report;
  } finally {
    await releaseLease(deps.store, archiveKeys.lease(name), owner).catch((e: unknown) => deps.logger.warn('archive lease release failed', { destination: name, error: e }));
  }
}
