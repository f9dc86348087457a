import { createHash } from 'node:crypto';
import type { ReportErrorCode } from '../../shared/ingest/types';
import { errors } from '../../shared/errors';
import { conditionsOf } from '../../shared/objects/conditions';
import { RESERVED_SEGMENT_PREFIX } from '../../shared/objects/keys';
import type { ObjectInfo, ObjectStorage } from '../../shared/ports';
import { step } from './errors';
import { identityOf } from './idempotency';

/**
 * Reports that can never be ingested are moved out of the way, under the quarantine prefix of the
 * same bucket, for an operator to look at; keys under it are never ingested. An empty report is
 * a clean scan, not a bad file: it stays where it is.
 */
const QUARANTINED: ReadonlySet<ReportErrorCode> = new Set(['report_invalid', 'report_unsupported', 'report_too_large']);

export const quarantines = (code: ReportErrorCode): boolean => QUARANTINED.has(code);

/** S3 and GCS take keys of 1024 bytes of UTF-8, Blob Storage names of 1024 characters (never more than the bytes). */
const MAX_KEY_BYTES = 1024;
/** Each segment is a folder or file name in the local folder store: 255 bytes on Linux file systems (NAME_MAX). */
const MAX_SEGMENT_BYTES = 255;
/** The last segment is a file there, and its sidecar `.secorch-<name>.json` must fit the same 255 bytes. */
const MAX_NAME_BYTES = MAX_SEGMENT_BYTES - `${RESERVED_SEGMENT_PREFIX}.json`.length;
/** Beside a quarantined object whose key had to be shortened: where it came from (recordOriginal). */
export const ORIGINAL_SUFFIX = '.original.json';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** The longest start of `s` within `max` bytes of UTF-8, never splitting a character. */
function cutUtf8(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return s;
  let end = Math.max(0, max);
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end -= 1;
  return b.subarray(0, end).toString('utf8');
}

/** Whether every store can hold `key`, and `extra` more bytes after it (a name written beside it). */
function fits(key: string, extra: number): boolean {
  if (byteLength(key) + extra > MAX_KEY_BYTES) return false;
  const segments = key.split('/');
  return segments.every((s, i) => (i === segments.length - 1 ? byteLength(s) + extra <= MAX_NAME_BYTES : byteLength(s) <= MAX_SEGMENT_BYTES));
}

/**
 * `<prefix><key><tail>` (tail: '' or `.<12 hex>`). Being longer than the key, it can be past what
 * a store takes: 1024 bytes of key on S3, GCS and Blob Storage, 255 bytes of file name in the
 * local folder store. The quarantine then failed on every redelivery and the report was retried
 * until the queue gave up on it. Such a key is shortened, the same way every time: the prefix, as
 * much of the key as fits (each segment cut to a file name's length), then `~`, 32 hex digits of
 * the key's SHA-256 and the tail. Room is left for the name recordOriginal writes beside it. A
 * prefix too long to hold any key is a configuration error.
 */
export function quarantineKey(prefix: string, key: string, tail = ''): string {
  const plain = `${prefix}${key}${tail}`;
  if (fits(plain, 0)) return plain;
  const mark = `~${sha256(key).slice(0, 32)}${tail}`;
  const room = byteLength(mark) + ORIGINAL_SUFFIX.length;
  const segments = cutUtf8(`${prefix}${key}`, MAX_KEY_BYTES - room).split('/');
  const last = segments.length - 1;
  const short = `${segments.map((s, i) => cutUtf8(s, i === last ? MAX_NAME_BYTES - room : MAX_SEGMENT_BYTES)).join('/')}${mark}`;
  if (!short.startsWith(prefix) || !fits(short, ORIGINAL_SUFFIX.length)) {
    throw errors.config(`ingest.quarantinePrefix is too long: no quarantine key under it fits ${MAX_KEY_BYTES} bytes (and ${MAX_SEGMENT_BYTES} bytes a segment)`, 'ingest.quarantinePrefix');
  }
  return short;
}

/**
 * Where a refused object goes: `<prefix><key>`, or, when another report already sits there (last
 * night's broken upload of the same key), `<prefix><key>.<12 hex of its identity>`, so a bucket
 * without versioning keeps both; either shortened when too long (quarantineKey). Decided once,
 * before the outcome is recorded: the record names it.
 */
export async function quarantineTarget(objects: ObjectStorage, bucket: string, prefix: string, key: string, identity: string): Promise<string> {
  const to = quarantineKey(prefix, key);
  const there = await step('object head', `${bucket}/${to}`, () => objects.head(bucket, to));
  return there ? quarantineKey(prefix, key, `.${sha256(identity).slice(0, 12)}`) : to;
}

/**
 * Where the same refused content goes when it is found under its key again (a crash before the
 * move, or the same bytes placed again): the quarantine key recorded for it, unless another
 * report sits there by now (an operator cleared the quarantine and another refusal took the
 * key), then the `.<12 hex>` key of this content. Undefined when both hold other reports: the
 * object is left where it is rather than written over one.
 */
export async function requarantineTarget(objects: ObjectStorage, bucket: string, prefix: string, key: string, recorded: string, identity: string): Promise<string | undefined> {
  for (const to of [recorded, quarantineKey(prefix, key, `.${sha256(identity).slice(0, 12)}`)]) {
    const there = await step('object head', `${bucket}/${to}`, () => objects.head(bucket, to));
    if (!there || identityOf(there) === identity) return to;
  }
  return undefined;
}

/** Whether `to` holds `key` whole (a plain quarantine key), so that `key` can be read from it. */
const holdsKey = (to: string, key: string): boolean => to.endsWith(key) || (/\.[0-9a-f]{12}$/.test(to) && to.slice(0, -13).endsWith(key));

/**
 * A shortened quarantine key no longer says which key the object came from, and the stores give
 * no metadata that every one of them keeps through a move: `<to>.original.json`, under the
 * quarantine prefix too (never ingested), says it, for an operator to find the report and put it
 * back under its key. Written before the move, so a move finished by a redelivery has it too.
 * Returns its key; undefined when `to` holds the key itself and nothing was written.
 */
export async function recordOriginal(objects: ObjectStorage, bucket: string, key: string, to: string, info: Pick<ObjectInfo, 'version' | 'etag'>): Promise<string | undefined> {
  if (holdsKey(to, key)) return undefined;
  const at = `${to}${ORIGINAL_SUFFIX}`;
  const original = { bucket, key, ...(info.version ? { version: info.version } : {}), ...(info.etag ? { etag: info.etag } : {}), quarantinedTo: to };
  await step('object put', `${bucket}/${at}`, () => objects.put(bucket, at, JSON.stringify(original), { contentType: 'application/json' }));
  return at;
}

/** Removes the record of a move that did not happen; best effort (an orphan names a key nothing sits under). */
export async function dropOriginal(objects: ObjectStorage, bucket: string, at: string | undefined): Promise<void> {
  if (at !== undefined) await objects.delete(bucket, at).catch(() => undefined);
}

/**
 * Moves the object unless it is gone or was replaced meanwhile (another identity: the new
 * content has its own notification and its own verdict). The head tells which object the key
 * holds now; the move is conditional on it (its etag and version, each store's own
 * preconditions), so a report uploaded under the key after the head (before the copy, or between
 * the copy and the delete) is neither quarantined nor deleted. True when the key no longer holds
 * the refused object; false when it was gone or replaced (if it was replaced after the copy, the
 * quarantine holds the refused report and the key the new one).
 */
export async function quarantine(objects: ObjectStorage, bucket: string, key: string, to: string, identity: string): Promise<boolean> {
  const where = `${bucket}/${key}`;
  const info = await step('object head', where, () => objects.head(bucket, key));
  if (!info || identityOf(info) !== identity) return false;
  const original = await recordOriginal(objects, bucket, key, to, info);
  // Every store reports an etag; were one to report none, the move would be unconditional.
  const moved = await step('object move', where, () => objects.move(bucket, key, to, conditionsOf(info)));
  if (moved === 'changed' || moved === 'absent') await dropOriginal(objects, bucket, original);
  return moved === 'moved';
}
