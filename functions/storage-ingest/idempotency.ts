import type { Deps, ObjectInfo } from '../../shared/ports';
import { inProgress, step } from './errors';
import { keyPart } from '../../shared/store/key-part';

/**
 * Idempotency per key and content (identityOf), after aws-powertools' idempotency persistence
 * layer: a record `ing:<bucket>:<key>@<identity>` is written in progress (with a lease) before
 * the object is read and marked done after its events were published. A redelivered
 * notification, or the same bytes placed again under the key, finds it done and publishes
 * nothing; an attempt that failed releases it at once; one that was killed leaves a lease that
 * the next attempt takes over when it ends.
 */
export type IngestOutcome = 'ingested' | 'failed';

export interface DoneRecord {
  state: 'done';
  outcome: IngestOutcome;
  findings: number;
  format?: string;
  code?: string;
  /** Where the object was moved; set before the move, so a retry after a crash finishes it. */
  quarantinedTo?: string;
  at: number;
}

type Held = { state: 'in-progress'; leaseUntil: number; attempt: number } | { state: 'released'; attempt: number };
export type IngestRecord = DoneRecord | Held;

export interface Claim {
  key: string;
  /** The store version of our in-progress record: later writes are conditional on it. */
  version: string;
  attempt: number;
}

/** The smallest key a cloud state store takes (Azure Table Storage's store). */
const MAX_KEY_BYTES = 512;

/**
 * `ing:<bucket>:<key>@<identity>`, readable in the store. Object keys reach 1024 bytes on S3, GCS
 * and Blob Storage while Azure Table Storage's store takes keys of 512 bytes: when the whole key
 * would be longer, key and identity become one digest (keyPart), or every attempt would fail as
 * a store error and the report be retried until the queue gave up on it, never ingested.
 */
export function recordKey(bucket: string, key: string, identity: string): string {
  const head = `ing:${bucket}:`;
  return `${head}${keyPart(`${key}@${identity}`, MAX_KEY_BYTES - Buffer.byteLength(head, 'utf8'))}`;
}

const parse = (value: string): IngestRecord | undefined => {
  try {
    return JSON.parse(value) as IngestRecord;
  } catch {
    return undefined;
  }
};

/** The record of `key` (recordKey), if any and readable. */
export async function readRecord(deps: Deps, key: string, where: string): Promise<IngestRecord | undefined> {
  const item = await step('state read', where, () => deps.store.get(key));
  return item ? parse(item.value) : undefined;
}

/** Claims the object version; returns the done record instead when it was already ingested. */
export async function claim(deps: Deps, key: string, leaseSeconds: number, where: string): Promise<Claim | DoneRecord> {
  const now = deps.clock.now();
  const existing = await step('state read', where, () => deps.store.get(key));
  const record = existing ? parse(existing.value) : undefined;
  if (record?.state === 'done') return record;
  if (record?.state === 'in-progress' && record.leaseUntil > now) throw inProgress(where, record.leaseUntil);
  const attempt = (record?.attempt ?? 0) + 1;
  const value = JSON.stringify({ state: 'in-progress', leaseUntil: now + leaseSeconds * 1000, attempt } satisfies Held);
  // Absent: ifAbsent; released or expired: ifVersion, so of two attempts taking over one wins.
  const opts = existing ? { ifVersion: existing.version } : { ifAbsent: true };
  const won = await step('state write', where, () => deps.store.put(key, value, { ...opts, ttlSeconds: leaseSeconds * 4 }));
  if (!won) {
    const now2 = await step('state read', where, () => deps.store.get(key));
    const other = now2 ? parse(now2.value) : undefined;
    if (other?.state === 'done') return other;
    throw inProgress(where, other?.state === 'in-progress' ? other.leaseUntil : now + leaseSeconds * 1000);
  }
  const mine = await step('state read', where, () => deps.store.get(key));
  if (!mine) throw inProgress(where, now);
  return { key, version: mine.version, attempt };
}

/** Writes the done record over our claim; false when the lease was taken over meanwhile. */
export async function complete(deps: Deps, c: Claim, done: DoneRecord, ttlSeconds: number, where: string): Promise<boolean> {
  return step('state write', where, () => deps.store.put(c.key, JSON.stringify(done), { ifVersion: c.version, ttlSeconds }));
}

/** Lets the next attempt in at once after a failure; best effort (the lease expires anyway). */
export async function release(deps: Deps, c: Claim, leaseSeconds: number): Promise<void> {
  const value = JSON.stringify({ state: 'released', attempt: c.attempt } satisfies Held);
  await deps.store.put(c.key, value, { ifVersion: c.version, ttlSeconds: leaseSeconds * 4 }).catch(() => false);
}

export const isDone = (r: Claim | DoneRecord): r is DoneRecord => (r as DoneRecord).state === 'done';

/**
 * What makes two objects under one key the same report, known before it is read: a digest of the
 * content the store keeps (shared/ingest/content-digest.ts: S3's full-object checksum, GCS
 * md5Hash or crc32c, Blob Content-MD5), with the size; else the entity tag, which no other
 * content has, and which is a digest of the content on S3 for an upload in one part (MD5) and
 * locally (SHA-256); else the version. A version names a write: the same report uploaded again
 * to a versioned S3 bucket, to Cloud Storage (a new generation) or to versioned Blob Storage is a
 * new version, and keyed by it, every finding was published again under new event ids.
 * Where only the write is known (a blob without Content-MD5, whose ETag changes with every
 * write), the same bytes written again are ingested again (README, storage-ingest).
 */
export const identityOf = (info: ObjectInfo): string => {
  const digest = info.contentDigest;
  if (digest !== undefined) return `${digest}:${info.size}`;
  return info.etag ?? info.version ?? `${info.size}:${info.lastModified ?? ''}`;
};

/**
 * Whether two answers of the store describe the same write of the object: its entity tag and
 * version (a head, then the read). Not the identity: a store may give a digest on one call and
 * not the other (S3 answers checksums only when asked).
 */
export const sameWrite = (a: Pick<ObjectInfo, 'etag' | 'version'>, b: Pick<ObjectInfo, 'etag' | 'version'>): boolean =>
  a.etag === b.etag && a.version === b.version;
