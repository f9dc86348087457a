import { lookup, obj, type Json } from '../../../shared/mappers/read';
import { invalidEvent, type Notification } from '../types';
import { isS3EventBridge, s3EventBridge } from './eventbridge';
import { isS3Notification, isS3TestEvent, s3Notification } from './s3';

/**
 * Amazon SNS messages as an SQS queue subscribed without raw message delivery receives them: a
 * JSON envelope (Type, MessageId, TopicArn, Message, Timestamp, Signature...) whose Message is
 * the text that was published (https://docs.aws.amazon.com/sns/latest/dg/sns-sqs-as-subscriber.html).
 * S3 -> SNS topic -> SQS is how several consumers share a bucket's notifications; the Message is
 * then the S3 notification, read by s3.ts with all its checks. An EventBridge rule may target the
 * topic too (S3 -> EventBridge rule -> SNS -> SQS): without an input transformer the target gets
 * the matched event itself (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html),
 * so the Message is the event's JSON, read by eventbridge.ts. With raw message delivery the body is the notification or event itself,
 * read directly.
 *
 * The signature is not verified. What reaches this function through SQS was admitted by the
 * queue's access policy (which principals may send to it), and that is the trust boundary for every
 * form the queue carries: a raw S3 notification has no signature at all, so whoever may send to
 * the queue could send that instead, and checking the envelope would stop no one (while costing a
 * fetch of the signing certificate on every cold start). Nor is the Message trusted more than a
 * raw notification: it only names objects, which are read with the function's own credentials and
 * go through the same checks (prefixes, quarantine, size) as objects any other notification names.
 */
export const isSnsMessage = (e: Json): boolean =>
  typeof e.Type === 'string' && typeof e.TopicArn === 'string' && typeof e.MessageId === 'string';

// arn:<partition>:sns:<region>:<account>:<topic name, up to 256 of [A-Za-z0-9_-], .fifo for FIFO>
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * Subscription messages reach the queue only when the subscription was requested from another
 * account than the queue's (one the queue's own account creates is confirmed at once:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-send-message-to-sqs-cross-account.html). They
 * name no object. The function does not confirm them (that is the queue owner's decision, made in
 * AWS, not by whoever can send to the queue), and their token, which confirms the subscription
 * without AWS credentials, is never logged: the operator is told how to subscribe instead.
 */
const SUBSCRIPTION_ACTIONS: Readonly<Record<string, string>> = {
  SubscriptionConfirmation:
    'A subscription of this queue to the topic is waiting for confirmation: it was requested from another account. ' +
    'storage-ingest does not confirm subscriptions. From the queue\'s account, run `aws sns subscribe --topic-arn <topic> --protocol sqs ' +
    '--notification-endpoint <queue ARN>` (the topic policy must allow that account sns:Subscribe): such a subscription needs no confirmation. ' +
    'SNS deletes the pending one after 48 hours.',
  UnsubscribeConfirmation:
    'This queue\'s subscription to the topic was deleted: what is published to the topic no longer reaches storage-ingest. ' +
    'If that was not intended, subscribe the queue again from the queue\'s account (`aws sns subscribe --protocol sqs`).',
};

export function snsMessage(e: Json): Notification {
  const topic = e.TopicArn as string;
  if (!TOPIC_ARN.test(topic)) throw invalidEvent('Not an SNS message: TopicArn is not an SNS topic ARN', ['TopicArn: expected an SNS topic ARN']);
  const type = e.Type as string;
  if (type === 'Notification') return { ...unwrap(e.Message), topic };
  const action = lookup(SUBSCRIPTION_ACTIONS, type);
  if (action !== undefined) return { refs: [], ignored: `SNS ${type}`, topic, action };
  throw invalidEvent(`Not an SNS message this function knows: Type ${JSON.stringify(type.slice(0, 64))}`, [
    'Type: expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation',
  ]);
}

const EXPECTED = 'an S3 event notification (Records from aws:s3), s3:TestEvent or an EventBridge event from aws.s3';

/**
 * What S3 or EventBridge published to the topic: an S3 notification (or S3's test event), or an
 * EventBridge event from S3; anything else is invalid_event. Problems point under `Message.`.
 */
function unwrap(message: unknown): Notification {
  if (typeof message !== 'string') {
    throw invalidEvent('Not an SNS notification: Message is not a string', [`Message: required string holding ${EXPECTED}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidEvent('The SNS notification\'s Message is not JSON: an S3 event notification or EventBridge event was expected', ['Message: not JSON']);
  }
  const event = obj(parsed);
  // Only S3's own forms: another SNS envelope, or an event of another cloud, inside is not a set-up this reads.
  if (event !== undefined && (isS3Notification(event) || isS3TestEvent(event))) return s3Notification(event, 'Message.');
  if (event !== undefined && isS3EventBridge(event)) return s3EventBridge(event, 'Message.');
  throw invalidEvent('The SNS notification\'s Message is neither an S3 event notification nor an EventBridge event from S3', [`Message: expected ${EXPECTED}`]);
}
