import type { Config } from '../../shared/config';
import { type Deps, type EventBus, noMetrics, randomIds, systemClock } from '../../shared/ports';
import { egressHttp } from './egress';
import { envSecrets } from './env-secrets';
import { bundledConfig, stdoutLogger } from './runtime';
import { cloudStore } from './store';

/**
 * The composition every cloud shares: the bundled configuration, the system clock, random ids,
 * the platform fetch, the cloud store, environment secrets and a stdout JSON logger. Each cloud
 * brings its bus.
 */
export function cloudDeps(cloud: 'AWS' | 'Azure' | 'Google Cloud', runtime: string, bus: (config: Config) => EventBus): Deps {
  const config = bundledConfig();
  return {
    config,
    clock: systemClock,
    ids: randomIds,
    http: egressHttp(config),
    store: cloudStore(config, cloud),
    bus: bus(config),
    secrets: envSecrets(process.env),
    logger: stdoutLogger(config.logLevel, { runtime }),
    metrics: noMetrics,
  };
}

/** An environment variable the deployment must set; the error names it and who sets it. */
export function required(name: string, setBy: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (${setBy} sets it)`);
  return v;
}
