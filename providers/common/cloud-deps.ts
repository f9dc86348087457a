import type { Config } from '../../shared/config';
import { type Clock, type EventBus, type ObjectStorage, randomIds, type Sealer, systemClock, type WakeUps } from '../../shared/ports';
import { errors } from '../../shared/errors';
import { configuredMetrics, type MetricsFormat } from '../../shared/metrics';
import { egressDelivery, egressHttp } from './egress';
import type { Root } from './refresh';
import { bundledConfigWithSecrets, stdoutLogger } from './runtime';
import { configuredSecrets, type SecretManagers } from './secrets';
import { cloudStore, type NativeStores, type StoreConfig } from './store';

/** A cloud's own stores (native, or the deployment's default), its secret managers and its object storage. */
export interface CloudExtras {
  native?: NativeStores;
  fallback?: StoreConfig;
  secrets?: SecretManagers;
  /** Buckets named by events (storage-ingest) and by archive destinations; the SDK loads on first use. */
  objects?: () => ObjectStorage;
  /** How metrics are written to stdout: `emf` where CloudWatch extracts them, else JSON lines (default). */
  metrics?: MetricsFormat;
  /** The system clock unless a test brings its own. */
  clock?: Clock;
}

/**
 * The composition every cloud shares: the bundled configuration, the system clock, random ids,
 * the platform fetch, the cloud store, the configured secrets (its own managers or env, cached;
 * `secret://` references in the configuration are resolved through it first), a stdout JSON
 * logger and stdout metric lines (on unless `metrics.enabled: false`). Each cloud brings its bus
 * (picked by `bus` in the configuration), its object storage, its metric format, and may bring a
 * sealer and delivery wake-ups (delayed queue messages). `reload` re-reads `secret://` values
 * (refreshingRoot, ./refresh.ts).
 */
export async function cloudDeps(
  cloud: 'AWS' | 'Azure' | 'Google Cloud', runtime: string, bus: (config: Config) => EventBus,
  sealer?: (config: Config) => Sealer | undefined,
  wakeups?: (config: Config) => WakeUps | undefined,
  extras: CloudExtras = {},
): Promise<Root> {
  const clock = extras.clock ?? systemClock;
  const { config, secrets, reload } = await bundledConfigWithSecrets((section) =>
    configuredSecrets(cloud, section, extras.secrets ?? {}, { env: process.env, clock }));
  const logger = stdoutLogger(config.logLevel, { runtime });
  const parts = {
    config,
    clock,
    ids: randomIds,
    http: egressHttp(config),
    bus: bus(config),
    secrets,
    objects: extras.objects?.(),
    sealer: sealer?.(config),
    wakeups: wakeups?.(config),
    outbound: egressDelivery(config, { timeoutMs: (config.deliveries?.timeoutSeconds ?? 15) * 1000 }),
    logger,
    metrics: configuredMetrics(config, true, {
      format: extras.metrics ?? 'json', runtime, clock,
      write: (line) => process.stdout.write(`${line}\n`), warn: (msg, fields) => logger.warn(msg, fields),
    }),
  };
  // Last, once nothing else can refuse the configuration: a store's client connects when built
  // (Redis at once), and a cold start that failed afterwards, retried by the next invocation,
  // would leave one more open connection behind each time.
  const store = cloudStore(config, cloud, extras.native, extras.fallback, (m) => logger.warn(m));
  return { deps: { ...parts, store }, reload };
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
