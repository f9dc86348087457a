import type { Deps } from '../../shared/ports';
import { inProgress, step } from './errors';
import { keyPart } from '../../shared/store/key-part';

/**
 * Idempotency per object version, after aws-powertools' idempotency persistence layer: a record
 * `ing:<bucket>:<key>@<version|etag>` is written in progress (with a lease) before the object is
 * read and marked done after its events were published. A redelivered notification, or the same
 * object placed again, finds it done and publishes nothing; an attempt that failed releases it at
 * once; one that was killed leaves a lease that the next attempt takes over when it ends.
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
type IngestRecord = DoneRecord | Held;

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
 * What makes two reads the same content: the version where the store keeps versions, else the
 * entity tag (locally the SHA-256 of the content, so the same file placed again is a duplicate).
 */
export const identityOf = (info: { version?: string; etag?: string; size: number; lastModified?: string }): string =>
  info.version ?? info.etag ?? `${info.size}:${info.lastModified ?? ''}`;
