import { createHash } from 'node:crypto';
import { type CloudEvent, timeMs } from '../../events/cloudevent';
import { isRfc3339 } from '../../events/spec-checks';
import { DEFAULT_TENANT, tenantOf } from '../../events/tenant';
import { folderOf } from './prefix';

/**
 * The state-store layout of archive destinations ({d} is the destination name):
 *
 *   arc:{d}:{YYYYMMDDHH}:{event id}:{source hash}[:{tenant}]   a buffered event (structured CloudEvent JSON)
 *   arcx:{d}:{event id}:{source hash}[:{tenant}]               buffer key of an event that has no `time`
 *   arcl:{d}                                                   flush lease (one flusher at a time)
 *   arcj:{d}                                                   the batch being written: its object name and buffered keys (recovery)
 *
 * Buffered keys sort by partition hour, then event id, so a prefix scan yields one hour's events
 * together and the oldest hour first. The key holds the event's identity (id, and source, since
 * CloudEvents ids are unique per source), so a redelivered event lands on its existing key. Tenants
 * choose their own sources and ids, so the identity also holds the tenant (`:{tenant}` after the
 * source hash; none for the default tenant, the layout before tenants were part of it): one
 * tenant's event never takes the key of another's and so never suppresses it.
 * Names and ids that could break the layout (a ':' or anything outside [A-Za-z0-9_.-], or more
 * than 128 characters) are replaced by `~` and a hash; '~' never occurs in a plain part.
 */
const PLAIN = /^[A-Za-z0-9_.-]{1,128}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const part = (s: string) => (PLAIN.test(s) ? s : `~${sha256(s).slice(0, 32)}`);
const identity = (event: CloudEvent) => {
  const base = `${part(event.id)}:${sha256(event.source).slice(0, 12)}`;
  const tenant = tenantOf(event);
  return tenant === DEFAULT_TENANT ? base : `${base}:${part(tenant)}`;
};

/** Partition hour `YYYYMMDDHH` (UTC) of an epoch ms time. */
export function hourOf(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}`;
}

/**
 * The partition hour of the event's own `time`; undefined when it has none usable (years
 * 0-9999). Only an RFC 3339 date-time counts, which always names its offset: Date.parse alone
 * also takes '2026-03-31T22:30:00' or 'March 31, 2026 22:30' and reads them in the machine's
 * time zone, so one event would get another partition (and buffer key) on each machine whose
 * zone differs. A leap second (`23:59:60`, RFC 3339 section 5.7) is read as the second before
 * it, in the same hour: Date.parse refuses it, and the event would get the buffer time's hour.
 */
export function eventHour(event: CloudEvent): string | undefined {
  if (typeof event.time !== 'string' || !isRfc3339(event.time)) return undefined;
  const ms = timeMs(event.time);
  if (Number.isNaN(ms)) return undefined;
  const year = new Date(ms).getUTCFullYear();
  return year >= 0 && year <= 9999 ? hourOf(ms) : undefined;
}

export const archiveKeys = {
  buffer: (dest: string) => `arc:${part(dest)}:`,
  /** The buffered keys of one partition hour start with this. */
  hour: (dest: string, hour: string) => `arc:${part(dest)}:${hour}:`,
  event: (dest: string, hour: string, event: CloudEvent) => `arc:${part(dest)}:${hour}:${identity(event)}`,
  index: (dest: string, event: CloudEvent) => `arcx:${part(dest)}:${identity(event)}`,
  lease: (dest: string) => `arcl:${part(dest)}`,
  journal: (dest: string) => `arcj:${part(dest)}`,
};

/** The hour segment of a buffered key. */
export const hourOfKey = (key: string): string => key.split(':')[2]!;

/**
 * `<prefix>year=YYYY/month=MM/day=DD/hour=HH/<batch>.jsonl.gz`: Hive-style partitions that Athena,
 * BigQuery external tables and Synapse prune on. The batch name is a hash of its first and last
 * buffered keys and its size, so the same batch always gets the same name: a flush retried after a
 * crash writes (ifAbsent) to the name it used before and finds the object there.
 */
export function objectKey(prefix: string, hour: string, firstKey: string, lastKey: string, count: number): string {
  const batch = sha256(`${firstKey}\n${lastKey}\n${count}`).slice(0, 32);
  // A prefix is a folder: `events` must give `events/year=...`, not a partition column `eventsyear`.
  return `${folderOf(prefix)}year=${hour.slice(0, 4)}/month=${hour.slice(4, 6)}/day=${hour.slice(6, 8)}/hour=${hour.slice(8, 10)}/${batch}.jsonl.gz`;
}
