import type { DestinationConfig } from '../../config/schema';
import { AppError } from '../../errors';
import type { Deps, ObjectStorage, StateStore, Write } from '../../ports';
import { eachLimited } from '../../batch/each-limited';

export type ArchiveConfig = Extract<DestinationConfig, { type: 'archive' }>;

/**
 * The object storage an archive writes to. Without it (a runtime whose composition root sets no
 * `objects`) every event fails with destination_unavailable: the router then fails the record, so
 * the queue keeps the message and redelivers it once the deployment provides storage, instead of
 * buffering events nothing can ever flush.
 */
export function requireObjects(name: string, deps: Deps): ObjectStorage {
  if (deps.objects) return deps.objects;
  deps.logger.error('archive destination has no object storage', {
    destination: name, missing: 'deps.objects', hint: 'the runtime must provide object storage (S3, Blob, GCS or a local folder)',
  });
  throw new AppError('destination_unavailable', `Destination ${name} needs object storage, and this runtime provides none`, {
    status: 503, retryable: true, expose: false, extra: { destination: name, missing: 'objects' },
  });
}

/**
 * A flush lease held. Its store version changes with every renewal: a write fenced on it (fenced)
 * fails once the lease expired and another flusher may have taken it.
 */
export interface Lease {
  key: string;
  owner: string;
  version: string;
}

/**
 * One flusher per destination at a time: a store lease taken ifAbsent with a TTL, so a flusher
 * that dies releases it by expiry. Two flushers working at once could cut different batches
 * from the same buffer and write an event twice. `owner` must be fresh (a UUID): it is the
 * lease's first version too.
 */
export async function takeLease(store: StateStore, key: string, owner: string, ttlSeconds: number): Promise<Lease | undefined> {
  return (await store.put(key, owner, { ifAbsent: true, ttlSeconds, newVersion: owner })) ? { key, owner, version: owner } : undefined;
}

/**
 * Writes `writes` only while the lease is still ours, renewing it (a fresh TTL, the fresh version
 * `next`) in the same atomic step. False, writing nothing: the lease expired (the flusher hung
 * longer than its TTL, on a stalled put for instance) and another flusher may hold it now, so
 * this one must write nothing more to the buffer's bookkeeping.
 */
export async function fenced(store: StateStore, lease: Lease, ttlSeconds: number, next: string, writes: readonly Write[]): Promise<boolean> {
  const renew: Write = { key: lease.key, value: lease.owner, opts: { ifVersion: lease.version, ttlSeconds, newVersion: next } };
  if (!(await store.putAll([renew, ...writes]))) return false;
  lease.version = next;
  return true;
}

/** Releases only our own lease (one that expired may have been taken by another flusher since). */
export async function releaseLease(store: StateStore, lease: Lease): Promise<void> {
  const held = await store.get(lease.key);
  if (held?.version === lease.version) await store.delete(lease.key);
}

/** Deletes keys a few at a time: the store has no batch delete, and one by one is slow on a network store. */
export async function deleteKeys(store: StateStore, keys: readonly string[], concurrency = 16): Promise<void> {
  await eachLimited(keys, concurrency, (key) => store.delete(key));
}
