import { eventRouter } from '../../../functions/event-router/handler';
import { awsDeps } from '../deps';
import { awsSqs } from '../sqs';

/** SQS-triggered; the event source mapping reports partial batch failures (serverless.yml). */
export const handler = awsSqs(eventRouter, awsDeps);
