import { cloudDeps, cloudSealer, required } from '../common/cloud-deps';
import { kmsSealer } from './sealer-kms';
import { refreshingRoot } from '../common/refresh';
import { configuredBus } from '../common/bus';
import { eventBridgeBus } from './bus-eventbridge';
import { sqsBus } from './bus-sqs';
import { s3Objects } from './objects-s3';
import { sqsWakeUps } from './wakeups-sqs';
import { dynamoStore } from './store-dynamodb';
import { secretsManagerSecrets } from './secrets-manager';
import { ssmSecrets } from './secrets-ssm';
import { systemClock } from '../../shared/ports';

/**
 * Composition root on AWS Lambda: built once per cold start, `secret://` values re-read every
 * secrets.ttlSeconds. AWS_ENDPOINT_URL_SQS (the SDK's standard variable, unset on AWS) points the
 * bus at an SQS-compatible server such as fauxqs; it is passed explicitly because the SQS client
 * otherwise sends to the queue URL's own host.
 */
export const awsDeps = refreshingRoot(async () =>
  cloudDeps('AWS', 'aws',
    // `bus` in the configuration, else the events queue serverless.yml creates.
    (config) => configuredBus(config, 'AWS', {
      sqs: (b) => sqsBus({ queueUrl: b.queueUrl, endpoint: b.endpoint ?? (process.env.AWS_ENDPOINT_URL_SQS || undefined) }),
      eventbridge: (b) => eventBridgeBus({ busName: b.busName, source: b.source, endpoint: b.endpoint }),
    }, () => sqsBus({ queueUrl: required('SECORCH_EVENTS_QUEUE_URL', 'serverless.yml'), endpoint: process.env.AWS_ENDPOINT_URL_SQS || undefined })),
    (config) => cloudSealer(config, 'aws-kms', (s) => kmsSealer({ keyId: s.keyId, previousKeyIds: s.previousKeyIds })),
    // Punctual delivery attempts (serverless.yml sets the queue URL); unset: the sweep alone.
    () => {
      const queueUrl = process.env.SECORCH_DELIVERY_QUEUE_URL;
      return queueUrl ? sqsWakeUps({ queueUrl, clock: systemClock, endpoint: process.env.AWS_ENDPOINT_URL_SQS || undefined }) : undefined;
    },
    // DynamoDB: `store` in the configuration, or the table serverless.yml creates (SECORCH_STATE_TABLE).
    {
      native: { dynamodb: (s, clock) => dynamoStore({ table: s.table, region: s.region, endpoint: s.endpoint, clock }) },
      fallback: process.env.SECORCH_STATE_TABLE ? { type: 'dynamodb', table: process.env.SECORCH_STATE_TABLE } : undefined,
      // `secrets.provider`: Secrets Manager or Parameter Store (region and endpoint from the SDK's variables).
      secrets: {
        'aws-secrets-manager': (s) => secretsManagerSecrets({ prefix: s.prefix }),
        'aws-ssm': (s) => ssmSecrets({ prefix: s.prefix }),
      },
      // S3; AWS_ENDPOINT_URL_S3 (the SDK's standard variable) points it at an S3-compatible server.
      objects: () => {
        const endpoint = process.env.AWS_ENDPOINT_URL_S3 || undefined;
        return s3Objects({ endpoint, forcePathStyle: endpoint !== undefined });
      },
      // Embedded Metric Format: CloudWatch Logs turns the stdout lines into metrics, no API call.
      metrics: 'emf',
    },
  ),
);
