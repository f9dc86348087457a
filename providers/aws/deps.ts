import { cloudDeps, cloudSealer, required } from '../common/cloud-deps';
import { kmsSealer } from './sealer-kms';
import { once } from '../common/runtime';
import { sqsBus } from './bus-sqs';
import { sqsWakeUps } from './wakeups-sqs';
import { dynamoStore } from './store-dynamodb';
import { secretsManagerSecrets } from './secrets-manager';
import { ssmSecrets } from './secrets-ssm';
import { systemClock } from '../../shared/ports';

/**
 * Composition root on AWS Lambda: built once per cold start. AWS_ENDPOINT_URL_SQS (the SDK's
 * standard variable, unset on AWS) points the bus at an SQS-compatible server such as fauxqs;
 * it is passed explicitly because the SQS client otherwise sends to the queue URL's own host.
 */
export const awsDeps = once(async () =>
  cloudDeps('AWS', 'aws', () =>
    sqsBus({ queueUrl: required('SECORCH_EVENTS_QUEUE_URL', 'serverless.yml'), endpoint: process.env.AWS_ENDPOINT_URL_SQS || undefined }),
    (config) => cloudSealer(config, 'aws-kms', (s) => kmsSealer({ keyId: s.keyId })),
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
    },
  ),
);
