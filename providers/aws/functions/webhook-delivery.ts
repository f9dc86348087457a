import { deliveryTick, deliveryWakeUp } from '../../../functions/webhook-delivery/handler';
import { awsDeps } from '../deps';
import { awsSchedule } from '../schedule';
import { awsSqs } from '../sqs';

/** Outbound webhooks on AWS: an EventBridge schedule sweeps the attempts that are due. */
export const handler = awsSchedule(deliveryTick, awsDeps);

/** Punctual attempts: delayed messages on the delivery queue (providers/aws/wakeups-sqs.ts), chained past 15 minutes. */
export const wakeUp = awsSqs(deliveryWakeUp, awsDeps);
