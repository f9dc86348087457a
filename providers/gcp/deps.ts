import { type Deps, noMetrics, platformHttp, randomIds, systemClock } from '../../shared/ports';
import { envSecrets } from '../common/env-secrets';
import { bundledConfig, once, stdoutLogger } from '../common/runtime';
import { cloudStore } from '../common/store';
import { pubsubBus } from './bus-pubsub';

/** Composition root on Cloud Functions: built once per cold start. */
export const gcpDeps = once(async (): Promise<Deps> => {
  const config = bundledConfig();
  const topic = process.env.SECORCH_EVENTS_TOPIC;
  if (!topic) throw new Error('SECORCH_EVENTS_TOPIC is not set');
  return {
    config,
    clock: systemClock,
    ids: randomIds,
    http: platformHttp,
    store: cloudStore(config, 'Google Cloud'),
    bus: pubsubBus({ topic }),
    secrets: envSecrets(process.env),
    logger: stdoutLogger(config.logLevel, { runtime: 'gcp' }),
    metrics: noMetrics,
  };
});
