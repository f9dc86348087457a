import { deliveryTick } from '../../../functions/webhook-delivery/handler';
import { awsDeps } from '../deps';
import { awsSchedule } from '../schedule';

/** Outbound webhooks on AWS: an EventBridge schedule sweeps the attempts that are due. */
export const handler = awsSchedule(deliveryTick, awsDeps);
