import { createHash } from 'node:crypto';
import type { CloudEvent } from '../../events/cloudevent';
import { type Deps, MAX_LIST_LIMIT } from '../../ports';
import { archiveKeys, eventHour, hourOf } from './keys';
import type { ArchiveConfig } from './runtime';

/** The index of a time-less event outlives any queue redelivery window; the flush deletes it with the event. */
const INDEX_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Buffers one event in the state store; durable when it returns. Returns false when the event was
 * already buffered (a redelivery): both writes are ifAbsent on keys derived from its identity.
 * An event without `time` is partitioned by the buffer time, which differs on a redelivery, so
 * its key is not enough: an index key on its identity alone is written with it atomically
 * (ifAbsent), and a redelivery finds it taken whatever the hour.
 */
export async function bufferEvent(name: string, event: CloudEvent, deps: Deps): Promise<{ key: string; fresh: boolean }> {
  const value = JSON.stringify(event);
  const timed = eventHour(event);
  if (timed !== undefined) {
    const key = archiveKeys.event(name, timed, event);
    return { key, fresh: await deps.store.put(key, value, { ifAbsent: true }) };
  }
  const key = archiveKeys.event(name, hourOf(deps.clock.now()), event);
  const fresh = await deps.store.putAll([
    { key: archiveKeys.index(name, event), value: key, opts: { ifAbsent: true, ttlSeconds: INDEX_TTL_SECONDS } },
    { key, value, opts: { ifAbsent: true } },
  ]);
  return { key, fresh };
}

/**
 * Whether the buffer holds maxEvents events. Counting means listing (the store keeps no cheap
 * count, and a shared counter would be one more conditional write per event, contended by every
 * router instance), so only about one event in maxEvents/10 checks, picked by a hash of its key:
 * the list cost per event stays near 10 items whatever maxEvents is, and a flush starts within
 * about a tenth of maxEvents past the threshold. No coordination is needed; the archive-flush
 * schedule remains the backstop.
 */
export async function bufferFull(name: string, key: string, config: ArchiveConfig, deps: Deps): Promise<boolean> {
  const every = Math.max(1, Math.floor(config.maxEvents / 10));
  if (parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) % every !== 0) return false;
  let count = 0;
  let after: string | undefined;
  do {
    const page = await deps.store.list(archiveKeys.buffer(name), { limit: Math.min(MAX_LIST_LIMIT, config.maxEvents - count), ...(after ? { after } : {}) });
    count += page.items.length;
    after = page.next;
  } while (after !== undefined && count < config.maxEvents);
  return count >= config.maxEvents;
}
