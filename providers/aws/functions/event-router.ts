import { eventRouter } from '../../../functions/event-router/handler';
import { awsDeps } from '../deps';
import { awsEventBridgeBus } from '../eventbridge-bus';
import { awsSqs } from '../sqs';

/** SQS-triggered; the event source mapping reports partial batch failures (serverless.yml). */
export const handler = awsSqs(eventRouter, awsDeps);

/**
 * With `bus.type: eventbridge`: the target of the bus rule that matches the configured source,
 * one event per (asynchronous) invocation.
 */
export const fromEventBridge = awsEventBridgeBus(eventRouter, awsDeps);
