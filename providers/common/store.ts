import type { Config } from '../../shared/config';
import { errors } from '../../shared/errors';
import { type Clock, type StateStore, systemClock } from '../../shared/ports';
import { memoryStore } from '../../shared/store/memory';

export type StoreConfig = NonNullable<Config['store']>;
/** Each cloud's managed store, built by its provider (DynamoDB, Azure Table, Firestore). */
export type NativeStores = { [K in StoreConfig['type']]?: (store: Extract<StoreConfig, { type: K }>, clock: Clock) => StateStore };

/**
 * The self-hosted stores, for users who run Redis or PostgreSQL. Their drivers stay outside the
 * function bundles (esbuild `external`: together about 290 KB), so they are loaded here, when
 * configured: locally from the checkout's node_modules; on a cloud the deployment adds the
 * package (README, "State store").
 */
function selfHosted(store: StoreConfig, clock: Clock): StateStore | undefined {
  try {
    if (store.type === 'redis') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { redisStore } = require('../redis/store') as typeof import('../redis/store');
      return redisStore({ url: store.url, prefix: store.prefix, clock });
    }
    if (store.type === 'postgres') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { postgresStore } = require('../postgres/store') as typeof import('../postgres/store');
      return postgresStore({ connectionString: store.url, table: store.table, clock });
    }
  } catch (e) {
    if ((e as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
      throw errors.config(`store type "${store.type}" needs the ${store.type === 'redis' ? 'ioredis' : 'pg'} package in the deployment`, 'store.type');
    }
    throw e;
  }
  return undefined;
}

/**
 * The state store of a cloud deployment: `store` from the configuration, else the cloud's
 * default (its managed store when the deployment names one, see each provider's deps.ts), else
 * memory, which keeps replay protection and deliveries per warm instance only (logged).
 */
export function cloudStore(
  config: Config, cloud: string, native: NativeStores = {}, fallback?: StoreConfig, warn: (msg: string) => void = () => undefined,
): StateStore {
  const store = config.store ?? fallback ?? { type: 'memory' as const };
  if (store.type === 'memory') {
    warn(`state store: memory on ${cloud}; replay protection and outbound deliveries last only as long as this instance (set store)`);
    return memoryStore(systemClock);
  }
  const make = native[store.type] as ((s: StoreConfig, clock: Clock) => StateStore) | undefined;
  const built = make?.(store, systemClock) ?? selfHosted(store, systemClock);
  if (!built) throw errors.config(`store type "${store.type}" is not available on ${cloud}`, 'store.type');
  return built;
}
