import { type Deps, noMetrics, platformHttp, randomIds, systemClock } from '../../shared/ports';
import { bundledConfig, once, stdoutLogger } from '../common/runtime';
import { cloudStore } from '../common/store';
import { envSecrets } from '../common/env-secrets';
import { sqsBus } from './bus-sqs';

/** Composition root on AWS Lambda: built once per cold start. */
export const awsDeps = once(async (): Promise<Deps> => {
  const config = bundledConfig();
  const queueUrl = process.env.SECORCH_EVENTS_QUEUE_URL;
  if (!queueUrl) throw new Error('SECORCH_EVENTS_QUEUE_URL is not set (serverless.yml sets it)');
  return {
    config,
    clock: systemClock,
    ids: randomIds,
    http: platformHttp,
    store: cloudStore(config, 'AWS'),
    bus: sqsBus({ queueUrl }),
    secrets: envSecrets(process.env),
    logger: stdoutLogger(config.logLevel, { runtime: 'aws' }),
    metrics: noMetrics,
  };
});
