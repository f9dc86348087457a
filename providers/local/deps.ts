import { join, resolve } from 'node:path';
import type { Config } from '../../shared/config';
import { type Deps, randomIds, systemClock, type StateStore } from '../../shared/ports';
import { egressDelivery, egressHttp } from '../common/egress';
import { keyFileSealer } from './sealer-keyfile';
import { memoryStore } from '../../shared/store/memory';
import { bundledConfigWithSecrets, once, stdoutLogger } from '../common/runtime';
import { sqliteBus } from './bus-sqlite';
import { type BusFactories, configuredBus } from '../common/bus';
import { errors } from '../../shared/errors';
import { configuredMetrics } from '../../shared/metrics';
import { assertLocalConfig, LOCAL_BUSES, LOCAL_RUNTIME, LOCAL_SECRET_MANAGERS, localProblems } from './local-config';
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

/** The store of LOCAL_STORES that `store` names (assertLocalConfig has refused any other). */
function localStore(config: Config): StateStore {
  const store = config.store ?? { type: 'sqlite' as const };
  if (store.type === 'memory') return memoryStore(systemClock);
  if (store.type === 'sqlite') return sqliteStore({ path: store.path ? resolve(store.path) : join(dataDir(), 'state.db'), clock: systemClock });
  throw errors.config(localProblems(config)[0]?.message ?? `store.type "${store.type}" is not available locally`, 'store.type');
}

/**
 * Composition root for local runs under serverless-offline. The functions, the router, delivery
 * and inbox workers run in different processes (and, when serverless-offline runs on its own, in
 * different worker threads), so state and the event queue live in SQLite files under the data
 * directory, never in process memory. Under `npm start` the router worker follows the queue; otherwise publishing
 * nudges the router through serverless-offline's Lambda invoke API. Either way a one-minute
 * schedule drains anything left behind.
 */
export const localDeps = once(async (): Promise<Deps> => {
  // Locally only environment variables hold secrets: no cloud manager is reachable or bundled.
  const { config, secrets } = await bundledConfigWithSecrets((section) =>
    configuredSecrets(LOCAL_RUNTIME, section, LOCAL_SECRET_MANAGERS, { env: process.env, clock: systemClock }));
  // The same checks npm start made before anything started (a bundle may be run on its own).
  assertLocalConfig(config, dataDir());
  const queue = await eventsQueue();
  const logger = stdoutLogger(config.logLevel, { runtime: 'local' });
  // Under `npm start` a router worker follows the queue itself (SECORCH_ROUTER_NUDGE=off).
  const nudge = process.env.SECORCH_ROUTER_NUDGE === 'off' ? undefined : coalesce(() => nudgeRouter(process.env, logger));
  const localBuses: BusFactories<(typeof LOCAL_BUSES)[number]> = { local: () => sqliteBus({ queue, onPublished: nudge }) };
  return {
    config,
    clock: systemClock,
    ids: randomIds,
    http: egressHttp(config),
    store: localStore(config),
    bus: configuredBus(config, LOCAL_RUNTIME, localBuses, () => sqliteBus({ queue, onPublished: nudge })),
    secrets,
    // Buckets are folders of the data directory: `inbox` is the one the inbox worker watches.
    objects: dirObjects({ root: dataDir() }),
    // LOCAL_SEALERS: the key file (assertLocalConfig refused a cloud KMS rather than ignore it).
    sealer: keyFileSealer({ dataDir: dataDir() }),
    outbound: egressDelivery(config, { timeoutMs: (config.deliveries?.timeoutSeconds ?? 15) * 1000 }),
    logger,
    // Metric lines would bury the console's logs under `npm start`: unset, they are written only
    // at logLevel debug, where the console is already verbose; `metrics.enabled` decides otherwise.
    metrics: configuredMetrics(config, config.logLevel === 'debug', {
      format: 'json', runtime: 'local', clock: systemClock,
      write: (line) => process.stdout.write(`${line}\n`), warn: (msg, fields) => logger.warn(msg, fields),
    }),
  };
});
