import { type Deps, noMetrics, platformHttp, randomIds, systemClock } from '../../shared/ports';
import { envSecrets } from '../common/env-secrets';
import { bundledConfig, once, stdoutLogger } from '../common/runtime';
import { cloudStore } from '../common/store';
import { storageQueueBus } from './bus-storage-queue';

/** Composition root on Azure Functions: built once per cold start. */
export const azureDeps = once(async (): Promise<Deps> => {
  const config = bundledConfig();
  const connectionString = process.env.AzureWebJobsStorage;
  if (!connectionString) throw new Error('AzureWebJobsStorage is not set');
  return {
    config,
    clock: systemClock,
    ids: randomIds,
    http: platformHttp,
    store: cloudStore(config, 'Azure'),
    bus: storageQueueBus({ connectionString, queueName: process.env.SECORCH_EVENTS_QUEUE || 'secorch-events' }),
    secrets: envSecrets(process.env),
    logger: stdoutLogger(config.logLevel, { runtime: 'azure' }),
    metrics: noMetrics,
  };
});
