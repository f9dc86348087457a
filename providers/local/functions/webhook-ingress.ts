import { webhookIngress } from '../../../functions/webhook-ingress/handler';
import { awsHttp } from '../../aws/http';
import { localDeps } from '../deps';

/** serverless-offline emulates API Gateway, so the local HTTP functions use the AWS adapter. */
export const handler = awsHttp(webhookIngress, localDeps);
