import type { CloudEvent } from '../../shared/events/cloudevent';
import { memoryObjects } from '../../shared/objects/memory';
import type { EventBus } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';

/**
 * Findings parseReport yields for the real scanner reports of ../shared/fixtures/scanner,
 * computed once with the parser and written down, so a count that changes fails the tests.
 */
export const REPORT_FINDINGS = {
  'scanner/trivy-alpine-310.json': 4,
  'scanner/trivy-alpine-310.sarif.json': 4,
  'scanner/trivy-alpine-310.asff.json': 4,
  'scanner/trivy-fluentd-gems.json': 2,
  'scanner/trivy-secrets.json': 2,
  'scanner/trivy-dockerfile.json': 1,
  'scanner/codeql-action-valid-sarif.sarif': 3,
  'scanner/codeql-action-fingerprinting.input.sarif': 2,
} as const;

export const INVALID_SARIF = 'scanner/codeql-action-invalid-sarif.sarif';
export const EMPTY_SARIF = 'scanner/codeql-action-empty-sarif.sarif';

/**
 * A bus that records what it accepted; `failAt(n)` makes the n-th publish from now (1-based)
 * throw once, as a broker that drops out in the middle of a report would.
 */
export function captureBus(): EventBus & { events: CloudEvent[]; failAt(n: number): void; attempts: number } {
  let failOn: number | undefined;
  const bus = {
    events: [] as CloudEvent[],
    attempts: 0,
    failAt(n: number) {
      failOn = bus.attempts + n;
    },
    async publish(event: CloudEvent) {
      bus.attempts += 1;
      if (bus.attempts === failOn) throw new Error('bus unavailable (test)');
      bus.events.push(structuredClone(event));
    },
    async check() {},
  };
  return bus;
}

/** Deps with an in-memory object store and state store, and a capturing bus. */
export function ingestDeps(rawConfig: Record<string, unknown> = {}) {
  const t = testDeps(rawConfig);
  const objects = memoryObjects(t.clock);
  const bus = captureBus();
  const deps = { ...t.deps, objects, bus };
  const put = (bucket: string, key: string, fixture: string) => objects.put(bucket, key, fixtureBytes(fixture));
  const findings = () => bus.events.filter((e) => e.type.startsWith('secorch.finding.'));
  const system = (kind: 'failed' | 'completed') => bus.events.filter((e) => e.type === `secorch.system.ingest.${kind}`);
  return { ...t, deps, objects, bus, put, findings, system };
}

/** The real S3 notification of the SQS fixture (aws-powertools), as S3 sends it: bucket `xxx`, key `test.pdf`. */
export const s3NotificationBody = (): string =>
  fixtureJson<{ Records: { body: string }[] }>('events/aws-sqs-wrapping-s3-notification.json').Records[0]!.body;

/**
 * An SQS message body from an SNS subscription without raw message delivery. The fixtures hold no
 * such body, so it is built from the documented format
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-sqs-as-subscriber.html): the real SNS message of
 * aws-sns-event.json (the `Sns` object of an SNS-to-Lambda event: the same fields, Type to
 * UnsubscribeURL) with `message` as its Message, and `fields` changed or added.
 */
export function snsEnvelope(message: string, fields: Record<string, unknown> = {}): string {
  const sns = fixtureJson<{ Records: { Sns: Record<string, unknown> }[] }>('events/aws-sns-event.json').Records[0]!.Sns;
  return JSON.stringify({ ...sns, Message: message, ...fields });
}

/** The confirmation token of snsConfirmation: it must never reach a log. */
export const SNS_TOKEN = '2336412f37fb687f5d51e6e241d164b0533302ec696efc8f113cd2252ce8a925c1e44a3c4ca2984675da85b9bd8c05da';

/**
 * An SNS SubscriptionConfirmation or UnsubscribeConfirmation as it reaches the queue
 * (https://docs.aws.amazon.com/sns/latest/dg/http-subscription-confirmation-json.html and
 * http-unsubscribe-confirmation-json.html): the same envelope with Token and SubscribeURL, no
 * Subject or UnsubscribeURL.
 */
export function snsConfirmation(type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation'): string {
  const topic = 'arn:aws:sns:us-east-1:246796806071:snsNetTest';
  const message = type === 'SubscriptionConfirmation'
    ? `You have chosen to subscribe to the topic ${topic}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`
    : `You have chosen to deactivate subscription ${topic}:228cc6c9-dcd8-4c92-9f3a-77f55176b9e3.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`;
  const body = JSON.parse(snsEnvelope(message, {
    Type: type,
    Token: SNS_TOKEN,
    SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topic}&Token=${SNS_TOKEN}`,
  })) as Record<string, unknown>;
  delete body.Subject;
  delete body.UnsubscribeURL;
  return JSON.stringify(body);
}
