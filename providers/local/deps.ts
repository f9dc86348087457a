import { join, resolve } from 'node:path';
import type { Config } from '../../shared/config';
import { type Deps, noMetrics, randomIds, systemClock, type StateStore } from '../../shared/ports';
import { egressDelivery, egressHttp } from '../common/egress';
import { keyFileSealer } from './sealer-keyfile';
import { memoryStore } from '../../shared/store/memory';
import { bundledConfigWithSecrets, once, stdoutLogger } from '../common/runtime';
import { sqliteBus } from './bus-sqlite';
import { configuredBus } from '../common/bus';
import { dirObjects } from './objects-dir';
import { configuredSecrets } from '../common/secrets';
import { coalesce, nudgeRouter } from './nudge';
import { sqliteQueue, type SqliteQueue } from './sqlite-queue';
import { sqliteStore } from './sqlite-store';

/** Where all local state lives: SECORCH_DATA_DIR, default .data/ in the working directory. */
export const dataDir = (env: Record<string, string | undefined> = process.env): string => resolve(env.SECORCH_DATA_DIR || '.data');

export const eventsQueue = once(async (): Promise<SqliteQueue> =>
  sqliteQueue({ path: join(dataDir(), 'queue.db'), clock: systemClock, name: 'events' }),
);

function localStore(config: Config): StateStore {
  const store = config.store ?? { type: 'sqlite' as const };
  if (store.type === 'memory') return memoryStore(systemClock);
  if (store.type === 'sqlite') return sqliteStore({ path: store.path ? resolve(store.path) : join(dataDir(), 'state.db'), clock: systemClock });
  throw new Error(`store type "${store.type}" is not available locally; use sqlite (the default) or memory`);
}

/**
 * Composition root for local runs under serverless-offline. Every function runs in its own worker
 * thread, so state and the event queue live in SQLite files under the data directory, never in
 * process memory. Under `npm start` the router worker follows the queue; otherwise publishing
 * nudges the router through serverless-offline's Lambda invoke API. Either way a one-minute
 * schedule drains anything left behind.
 */
export const localDeps = once(async (): Promise<Deps> => {
  // Locally only environment variables hold secrets: no cloud manager is reachable or bundled.
  const { config, secrets } = await bundledConfigWithSecrets((section) =>
    configuredSecrets('local', section, {}, { env: process.env, clock: systemClock }));
  const queue = await eventsQueue();
  const logger = stdoutLogger(config.logLevel, { runtime: 'local' });
  // Under `npm start` a router worker follows the queue itself (SECORCH_ROUTER_NUDGE=off).
  const nudge = process.env.SECORCH_ROUTER_NUDGE === 'off' ? undefined : coalesce(() => nudgeRouter(process.env, logger));
  return {
    config,
    clock: systemClock,
    ids: randomIds,
    http: egressHttp(config),
    store: localStore(config),
    bus: configuredBus(config, 'local', { local: () => sqliteBus({ queue, onPublished: nudge }) }, () => sqliteBus({ queue, onPublished: nudge })),
    secrets,
    // Buckets are folders of the data directory: `inbox` is the one the inbox worker watches.
    objects: dirObjects({ root: dataDir() }),
    sealer: keyFileSealer({ dataDir: dataDir() }),
    outbound: egressDelivery(config, { timeoutMs: (config.deliveries?.timeoutSeconds ?? 15) * 1000 }),
    logger,
    metrics: noMetrics,
  };
});
