import type { Config } from '../../shared/config';
import { type Deps, type EventBus, noMetrics, randomIds, type Sealer, systemClock, type WakeUps } from '../../shared/ports';
import { errors } from '../../shared/errors';
import { egressDelivery, egressHttp } from './egress';
import { envSecrets } from './env-secrets';
import { bundledConfig, stdoutLogger } from './runtime';
import { cloudStore, type NativeStores, type StoreConfig } from './store';

/**
 * The composition every cloud shares: the bundled configuration, the system clock, random ids,
 * the platform fetch, the cloud store, environment secrets and a stdout JSON logger. Each cloud
 * brings its bus, and may bring a sealer and delivery wake-ups (delayed queue messages).
 */
export function cloudDeps(
  cloud: 'AWS' | 'Azure' | 'Google Cloud', runtime: string, bus: (config: Config) => EventBus,
  sealer?: (config: Config) => Sealer | undefined,
  wakeups?: (config: Config) => WakeUps | undefined,
  stores: { native?: NativeStores; fallback?: StoreConfig } = {},
): Deps {
  const config = bundledConfig();
  const logger = stdoutLogger(config.logLevel, { runtime });
  return {
    config,
    clock: systemClock,
    ids: randomIds,
    http: egressHttp(config),
    store: cloudStore(config, cloud, stores.native, stores.fallback, (m) => logger.warn(m)),
    bus: bus(config),
    secrets: envSecrets(process.env),
    sealer: sealer?.(config),
    wakeups: wakeups?.(config),
    outbound: egressDelivery(config, { timeoutMs: (config.deliveries?.timeoutSeconds ?? 15) * 1000 }),
    logger,
    metrics: noMetrics,
  };
}

/** An environment variable the deployment must set; the error names it and who sets it. */
export function required(name: string, setBy: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (${setBy} sets it)`);
  return v;
}

/**
 * The sealer a cloud supports for `secrets.sealer`: its own KMS only (a key file has no place in
 * a function's ephemeral disk). Unset: no sealer, and the subscriptions API answers 503.
 */
export function cloudSealer<P extends string>(config: Config, provider: P, make: (s: Extract<NonNullable<Config['secrets']['sealer']>, { provider: P }>) => Sealer): Sealer | undefined {
  const s = config.secrets.sealer;
  if (!s) return undefined;
  if (s.provider !== provider) throw errors.config(`secrets.sealer.provider ${s.provider} is not available here; use ${provider}`);
  return make(s as Extract<NonNullable<Config['secrets']['sealer']>, { provider: P }>);
}
