import { AppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import { eachLimited } from '../../batch/each-limited';
import { type Deps, type ListedItem, MAX_LIST_LIMIT, type ObjectStorage, type Write } from '../../ports';
import { decodeJsonLines, encodeJsonLines, JSON_LINES } from './codec';
import { archiveKeys, eventHour, hourOfKey, objectKey } from './keys';
import { requireValidPrefix } from './prefix';
import { type ArchiveConfig, deleteKeys, fenced, releaseLease, requireObjects, takeLease } from './runtime';

/**
 * Longer than any one batch may take: the lease is renewed with every batch, so expiry only frees
 * the lease of a flusher that died or hangs (on a stalled put, say).
 */
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
  /**
   * This flusher hung past its lease and another one took over: it stopped. The batch it was
   * writing is finished by the other one (from the journal), under the same object name.
   */
  leaseLost?: true;
}

/** The batch being written, saved before its object is (the journal, archiveKeys.journal). */
interface Journal {
  bucket: string;
  key: string;
  hour: string;
  /**
   * The batch's buffered keys, less the hour's prefix (archiveKeys.hour): what the next flusher
   * writes when the object is not there. Absent in journals of earlier versions.
   */
  ids?: string[];
}

/**
 * The bytes of event JSON one batch may hold. A batch is held in memory several times over (the
 * listed values, the parsed events, the gzip output): without this cap, maxEvents large events
 * (1000 events of 1 MiB) exceed a function's memory, and since the next flush cuts the same batch
 * again, every flush dies the same way and the archive never drains. Measured, a full batch
 * needs about 2.6 times its size beyond the process's own memory (165 MB for 64 MiB), so the cap
 * is set for a 256 MB function (the router's and the scheduler's): 16 MiB, about 42 MB.
 */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/**
 * The bytes of buffered keys one journal may hold: one store item on every cloud store (DynamoDB
 * takes 400 KB), so its write stays one small transaction with the lease's renewal. Event ids of
 * up to 128 characters and tenants still leave room for over 900 events a batch.
 */
export const MAX_JOURNAL_BYTES = 256 * 1024;
/** Listing pages are smaller than the store allows, so one page of large events stays small too. */
const PAGE = 100;

/** A batch: buffered items, all of one partition hour, in key order. */
type Batch = readonly Pick<ListedItem, 'key' | 'value'>[];

/**
 * The oldest hour's buffered events in key order: at most maxEvents of them, maxBytes of JSON and
 * MAX_JOURNAL_BYTES of keys, but always at least one (an event larger than maxBytes goes out alone).
 */
async function nextBatch(name: string, maxEvents: number, maxBytes: number, deps: Deps): Promise<ListedItem[]> {
  const items: ListedItem[] = [];
  let bytes = 0;
  let keyBytes = 0;
  let after: string | undefined;
  do {
    const page = await deps.store.list(archiveKeys.buffer(name), { limit: Math.min(MAX_LIST_LIMIT, PAGE, maxEvents - items.length), ...(after ? { after } : {}) });
    for (const item of page.items) {
      if (items.length > 0 && hourOfKey(item.key) !== hourOfKey(items[0]!.key)) return items;
      const size = Buffer.byteLength(item.value, 'utf8');
      // The key as the journal holds it: a JSON string (the keys are ASCII) and a comma.
      const keySize = item.key.length + 3;
      if (items.length > 0 && (bytes + size > maxBytes || keyBytes + keySize > MAX_JOURNAL_BYTES)) return items;
      items.push(item);
      bytes += size;
      keyBytes += keySize;
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
 * was written. Returns how many events the object holds.
 */
async function settle(name: string, journal: Journal, body: Uint8Array, deps: Deps): Promise<number> {
  const events = (await decodeJsonLines(body)) as CloudEvent[];
  await deleteKeys(deps.store, keysOf(name, journal.hour, events));
  return events.length;
}

/**
 * Writes one batch as the journal's object (only if absent), then deletes its buffer keys; returns
 * the number of events the object holds. Found already written (the same batch, by a flusher
 * whose lease expired mid-write): what that object holds is removed from the buffer instead.
 */
async function writeOut(name: string, objects: ObjectStorage, journal: Journal, batch: Batch, deps: Deps): Promise<number> {
  try {
    await objects.put(journal.bucket, journal.key, await encodeJsonLines(batch.map((i) => i.value)), { contentType: JSON_LINES, contentEncoding: 'gzip', ifAbsent: true });
    await deleteKeys(deps.store, keysOf(name, journal.hour, batch.map((item) => JSON.parse(item.value) as CloudEvent)));
    return batch.length;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'object_exists') throw e;
    const body = await objects.get(journal.bucket, journal.key);
    const written = body ? await settle(name, journal, body, deps) : 0;
    deps.logger.warn('archive batch was already written; removed its events from the buffer', { destination: name, key: journal.key, events: written });
    if (written === 0) throw new AppError('archive_conflict', `Destination ${name}: ${journal.key} exists but holds no events`, { status: 500, retryable: true, expose: false });
    return written;
  }
}

/**
 * Finishes the batch an earlier flusher journaled. Its object written: the events it holds leave
 * the buffer (recovered). Not written: that flusher died before its put, or its put hangs and may
 * still land. Either way the batch goes out exactly as journaled, under the journaled name and
 * only if absent, so of the two puts one lands; cutting a new batch instead (with events that
 * joined the buffer since) would give it another name, and the hung put would land beside it.
 */
async function resume(name: string, objects: ObjectStorage, journal: Journal, deps: Deps): Promise<{ recovered: number } | { written: number }> {
  const body = await objects.get(journal.bucket, journal.key);
  if (body) return { recovered: await settle(name, journal, body, deps) };
  const head = archiveKeys.hour(name, journal.hour);
  const found = await eachLimited(journal.ids ?? [], 16, async (id) => {
    const item = await deps.store.get(head + id);
    return item && { key: head + id, value: item.value };
  });
  const batch = found.filter((i) => i !== undefined);
  return batch.length === 0 ? { recovered: 0 } : { written: await writeOut(name, objects, journal, batch, deps) };
}

/**
 * Writes the buffered events of an archive destination as gzip JSON Lines, one object per
 * partition hour and at most maxEvents events (and maxBytes of JSON, default MAX_BATCH_BYTES) per
 * object, oldest hour first, until the buffer is empty or the deadline passes. Safe to run from
 * several places (the schedule, an inline flush): one holds the lease, the others return busy.
 * Every journal write is fenced on the lease (and renews it): a flusher that hung past its lease
 * stops at its next one, leaving the buffer to the flusher that took over.
 */
export async function flushArchive(name: string, config: ArchiveConfig, deps: Deps, opts: { deadline: number; maxBytes?: number }): Promise<FlushReport> {
  const objects = requireObjects(name, deps);
  requireValidPrefix(name, config.prefix);
  const report: FlushReport = { objects: 0, events: 0, recovered: 0 };
  const lease = await takeLease(deps.store, archiveKeys.lease(name), deps.ids.uuid(), LEASE_SECONDS);
  if (!lease) return { ...report, busy: true };
  const journalKey = archiveKeys.journal(name);
  const fence = (write: Write) => fenced(deps.store, lease, LEASE_SECONDS, deps.ids.uuid(), [write]);
  const lost = () => {
    deps.logger.warn('archive flush lost its lease to another flusher and stopped', { destination: name, ...report });
    return { ...report, leaseLost: true as const };
  };
  try {
    const pending = await deps.store.get(journalKey);
    if (pending) {
      const done = await resume(name, objects, JSON.parse(pending.value) as Journal, deps);
      if ('written' in done) {
        report.objects += 1;
        report.events += done.written;
      } else report.recovered = done.recovered;
      if (!(await fence({ key: journalKey, delete: true }))) return lost();
      if (report.events + report.recovered > 0) deps.logger.warn('archive flush finished an interrupted batch', { destination: name, ...report });
    }
    for (;;) {
      if (deps.clock.now() >= opts.deadline) {
        report.stoppedEarly = true;
        break;
      }
      const batch = await nextBatch(name, config.maxEvents, opts.maxBytes ?? MAX_BATCH_BYTES, deps);
      if (batch.length === 0) break;
      const hour = hourOfKey(batch[0]!.key);
      const head = archiveKeys.hour(name, hour);
      const journal: Journal = {
        bucket: config.bucket,
        key: objectKey(config.prefix, hour, batch[0]!.key, batch[batch.length - 1]!.key, batch.length),
        hour,
        ids: batch.map((item) => item.key.slice(head.length)),
      };
      // Saved before the object: if this flusher dies or hangs from here on, the next one finishes
      // this very batch (resume) instead of cutting another one from the same events.
      if (!(await fence({ key: journalKey, value: JSON.stringify(journal) }))) return lost();
      report.events += await writeOut(name, objects, journal, batch, deps);
      report.objects += 1;
      if (!(await fence({ key: journalKey, delete: true }))) return lost();
    }
    return report;
  } finally {
    await releaseLease(deps.store, lease).catch((e: unknown) => deps.logger.warn('archive lease release failed', { destination: name, error: e }));
  }
}
