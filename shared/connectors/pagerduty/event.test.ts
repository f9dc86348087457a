import { findingEvent } from '../slack/events.testkit';
import { pagerdutyDestinationSchema } from './config';
import { actionFor, pagerdutyEvent } from './event';
import { pagerdutySeverity } from './severity';

/**
 * Bodies as documented for the Events API v2: trigger, acknowledge and resolve
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/, "Example Request Payloads").
 */
const KEY = 'R0123456789ABCDEF0123456789ABCDE';
const config = pagerdutyDestinationSchema.parse({ type: 'pagerduty', routingKey: KEY, acknowledgeOn: ['secorch.finding.acknowledged'] });
const UID = 'github:Codertocat/Hello-World:code_scanning_alert:10';

test('a created finding triggers an alert keyed by the finding uid, with the documented payload', () => {
  expect(pagerdutyEvent(findingEvent('created'), 'trigger', config)).toEqual({
    routing_key: KEY,
    event_action: 'trigger',
    dedup_key: UID,
    payload: {
      summary: '[High] Query built from user-controlled sources',
      source: 'Codertocat/Hello-World',
      severity: 'error',
      timestamp: '2021-02-11T03:10:43.000Z',
      custom_details: {
        finding_uid: UID,
        title: 'Query built from user-controlled sources',
        description: 'Building a SQL or Java Persistence query from user-controlled sources is vulnerable to insertion of malicious code by the user.',
        severity: 'High',
        status: 'New',
        product: 'GitHub Code Scanning',
        resources: expect.arrayContaining([expect.objectContaining({ type: 'repository', uid: 'Codertocat/Hello-World' })]),
        event_type: 'secorch.finding.created',
        event_id: 'evt-created',
        event_source: '/webhooks/github',
      },
    },
    links: [{ href: 'https://github.com/Codertocat/Hello-World/security/code-scanning/10', text: 'View finding' }],
    client: 'secorch',
  });
});

test('resolve and acknowledge carry only routing_key, event_action and the same dedup_key', () => {
  const fixed = findingEvent('fixed');
  expect(actionFor(fixed.type, config)).toBe('resolve');
  expect(pagerdutyEvent(fixed, 'resolve', config)).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: UID });
  expect(actionFor('secorch.finding.acknowledged', config)).toBe('acknowledge');
  expect(pagerdutyEvent({ ...findingEvent('created'), type: 'secorch.finding.acknowledged' }, 'acknowledge', config)).toEqual({ routing_key: KEY, event_action: 'acknowledge', dedup_key: UID });
  expect(actionFor('secorch.finding.updated', config)).toBe('trigger');
  expect(actionFor('secorch.webhook.received', config)).toBeUndefined();
});

test('severity: OCSF ids and words to critical, error, warning, info', () => {
  expect([6, 5, 4, 3, 2, 1, 0, 99, '5'].map(pagerdutySeverity)).toEqual(['critical', 'critical', 'error', 'warning', 'info', 'info', 'info', 'info', 'critical']);
  expect(['Fatal', 'Critical', 'HIGH', 'Medium', 'moderate', 'Low', 'Informational', 'warning', undefined, {}].map(pagerdutySeverity))
    .toEqual(['critical', 'critical', 'error', 'warning', 'warning', 'info', 'info', 'warning', 'info', 'info']);
});

test('limits: summary cut to 1024 characters; a dedup key over 255 becomes its SHA-256; templates override', () => {
  const e = findingEvent('created');
  const data = e.data as { finding_info: { title: string; uid: string } };
  data.finding_info.title = 't'.repeat(2000);
  data.finding_info.uid = `u${'x'.repeat(300)}`;
  const custom = pagerdutyDestinationSchema.parse({ type: 'pagerduty', routingKey: KEY, component: '{{ data.finding_info.analytic.uid }}', group: '{{ data.resources.0.owner.name }}', class: '{{ data.class_name }}', customDetails: { rule: '{{ data.finding_info.analytic.uid }}' }, clientUrl: 'https://secorch.example.com' });
  const body = pagerdutyEvent(e, 'trigger', custom);
  expect((body.payload!.summary as string).length).toBe(1024);
  expect(body.dedup_key).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(pagerdutyEvent(e, 'resolve', custom).dedup_key).toBe(body.dedup_key);
  expect(body.payload).toMatchObject({ component: 'java/sql-injection', group: 'Codertocat', class: 'Detection Finding', custom_details: { rule: 'java/sql-injection' } });
  expect(body.client_url).toBe('https://secorch.example.com');
});

test('configuration: routingKey required; templates checked; defaults filled in', () => {
  expect(config).toMatchObject({ baseUrl: 'https://events.pagerduty.com', triggerOn: ['secorch.finding.created', 'secorch.finding.updated'], resolveOn: ['secorch.finding.resolved'] });
  expect(pagerdutyDestinationSchema.safeParse({ type: 'pagerduty' }).success).toBe(false);
  expect(pagerdutyDestinationSchema.safeParse({ type: 'pagerduty', routingKey: KEY, customDetails: { x: '{{ a b }}' } }).error?.issues.map((i) => i.path.join('.'))).toEqual(['customDetails']);
});

test('a summary cut at 1024 never leaves half a surrogate pair (an emoji), which JSON carries as a lone \\ud83d escape', () => {
  const e = findingEvent('created');
  // "[High] " is 7 characters: the emoji's first half falls on the 1023rd, the last kept before the mark.
  (e.data as { finding_info: { title: string } }).finding_info.title = `${'x'.repeat(1015)}${'\u{1F6A8}'.repeat(5)}`;
  const body = pagerdutyEvent(e, 'trigger', config);
  const summary = body.payload!.summary as string;
  expect(JSON.stringify(body)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
  expect(summary.length).toBeLessThanOrEqual(1024);
  expect(summary).toBe(`[High] ${'x'.repeat(1015)}…`);
});
