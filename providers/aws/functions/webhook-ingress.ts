import { webhookIngress } from '../../../functions/webhook-ingress/handler';
import { awsDeps } from '../deps';
import { awsHttp } from '../http';

export const handler = awsHttp(webhookIngress, awsDeps);
