import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, WakeUp, WakeUps } from '../../shared/ports';
import { once } from '../common/once';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export interface SqsWakeUpsOptions extends AwsTimeouts {
  /** The delivery queue the webhookDeliveryWakeUp function is triggered by. */
  queueUrl: string;
  clock: Clock;
  /** A ready client (tests); else one is made on first use. */
  client?: SQSClient;
  /** Endpoint override for SQS-compatible servers (fauxqs, LocalStack). */
  endpoint?: string;
  region?: string;
}

/** SQS's longest per-message delay: 15 minutes. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html */
export const MAX_DELAY_SECONDS = 900;

/** Seconds to wait for `at`: rounded up (never early by a fraction), 0 when due, capped at 900. */
export const delaySeconds = (at: number, now: number): number =>
  Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((at - now) / 1000)));


/**
 * Wake-ups as delayed SQS messages. A wait over 15 minutes is sent with the longest delay; the
 * wake-up function sees it arrive early and sends it on (functions/webhook-delivery), so a retry
 * due in 10 hours is a chain of 40 messages, each durable in SQS. Errors reject: the engine logs.
 */
export function sqsWakeUps(opts: SqsWakeUpsOptions): WakeUps {
  const load = once(() => import('@aws-sdk/client-sqs').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.SQSClient(awsClientConfig(opts)),
  })));
  return {
    async schedule(due: WakeUp) {
      const { sdk, client } = await load();
      await client.send(new sdk.SendMessageCommand({
        QueueUrl: opts.queueUrl,
        MessageBody: JSON.stringify({ at: due.at, tenant: due.tenant, id: due.id }),
        DelaySeconds: delaySeconds(due.at, opts.clock.now()),
      }));
    },
  };
}
