import type { DestinationConfig } from '../../config/schema';
import { AppError } from '../../errors';
import type { Deps, ObjectStorage, StateStore } from '../../ports';
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
 * One flusher per destination at a time: a store lease taken ifAbsent with a TTL, so a flusher
 * that dies releases it by expiry. Two flushers working at once could cut different batches
 * from the same buffer and write an event twice.
 */
export async function takeLease(store: StateStore, key: string, owner: string, ttlSeconds: number): Promise<boolean> {
  return store.put(key, owner, { ifAbsent: true, ttlSeconds });
}

/** Releases only our own lease (one that expired may have been taken by another flusher since). */
export async function releaseLease(store: StateStore, key: string, owner: string): Promise<void> {
  const held = await store.get(key);
  if (held?.value === owner) await store.delete(key);
}

/** Deletes keys a few at a time: the store has no batch delete, and one by one is slow on a network store. */
export async function deleteKeys(store: StateStore, keys: readonly string[], concurrency = 16): Promise<void> {
  await eachLimited(keys, concurrency, (key) => store.delete(key));
}
