import type { Config } from '../../shared/config';
import { type StateStore, systemClock } from '../../shared/ports';
import { memoryStore } from '../../shared/store/memory';

/**
 * The state store on the clouds. Their managed stores (DynamoDB, Table Storage, Firestore) come
 * with the provider ports; until then only the in-memory store runs there, so replay protection
 * holds per warm instance. The README's deploy section says so. SQLite is local-only: it needs a
 * native module and a disk that outlives the instance.
 */
export function cloudStore(config: Config, cloud: string): StateStore {
  const type = config.store?.type ?? 'memory';
  if (type !== 'memory') throw new Error(`store type "${type}" is not available on ${cloud}; use "memory"`);
  return memoryStore(systemClock);
}
