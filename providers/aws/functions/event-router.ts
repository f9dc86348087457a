import { eventRouter } from '../../../functions/event-router/handler';
import { awsDeps } from '../deps';
import { awsEventBridgeBus } from '../eventbridge-bus';
import { awsSqs } from '../sqs';
import { sqsRedelivery } from '../sqs-redelivery';

/**
 * SQS-triggered; the event source mapping reports partial batch failures (serverless.yml). A
 * failed record whose error asks for a wait (a vendor's Retry-After, a circuit still open, another
 * consumer's claim on a destination) is made visible again no earlier than that.
 * AWS_ENDPOINT_URL_SQS (the SDK's standard variable, unset on AWS) points it at fauxqs or LocalStack.
 */
export const handler = awsSqs(eventRouter, awsDeps, {
  redelivery: sqsRedelivery({ endpoint: process.env.AWS_ENDPOINT_URL_SQS || undefined }),
});

/**
 * With `bus.type: eventbridge`: the target of the bus rule that matches the configured source,
 * one event per (asynchronous) invocation.
 */
export const fromEventBridge = awsEventBridgeBus(eventRouter, awsDeps);
