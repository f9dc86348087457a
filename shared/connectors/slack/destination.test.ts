import { testDeps } from '../../../test/deps';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { slackDestinationSchema } from './config';
import { slackCheck, slackDestination } from './destination';
import { findingEvent } from './events.testkit';

/** The destination as the router uses it: configuration in, one Slack call per event. */
const TOKEN = 'xoxb-9999999999-8888888888-zyxwvutsrqponmlk';
let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  deps = { ...testDeps().deps, http: h.http, clock: h.clock, logger: h.logger };
});

test('configuration: token with channel, or webhookUrl; templates are checked; defaults filled in', () => {
  const ok = slackDestinationSchema.parse({ type: 'slack', token: TOKEN, channel: 'C0123ABCDE' });
  expect(ok).toMatchObject({ baseUrl: 'https://slack.com/api', title: expect.stringContaining('finding_info.title'), fields: expect.objectContaining({ Severity: expect.any(String) }) });
  expect(slackDestinationSchema.safeParse({ type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/x' }).success).toBe(true);
  const problems = (raw: unknown) => slackDestinationSchema.safeParse(raw).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  expect(problems({ type: 'slack' })).toEqual(['token: give either token (with channel) or webhookUrl']);
  expect(problems({ type: 'slack', token: TOKEN, channel: 'C1', webhookUrl: 'https://x' })).toEqual(['token: give either token (with channel) or webhookUrl']);
  expect(problems({ type: 'slack', token: TOKEN })).toEqual(['channel: channel is required with token']);
  expect(problems({ type: 'slack', webhookUrl: 'x', title: '{{ process.exit() }}' })).toEqual([expect.stringMatching(/^title: has a \{\{ \}\} placeholder/)]);
  expect(slackDestinationSchema.safeParse({ type: 'slack', webhookUrl: 'x', colour: 'red' }).error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['colour'] })]);
});

test('token mode: one chat.postMessage per event, to the configured channel', async () => {
  vendor.on('POST /api/chat.postMessage', reply.json({ ok: true, channel: 'C0123ABCDE', ts: '1503435956.000247', message: { type: 'message', text: 'x', ts: '1503435956.000247' } }));
  const deliver = slackDestination('slack-sec', slackDestinationSchema.parse({ type: 'slack', token: TOKEN, channel: 'C0123ABCDE', baseUrl: `${vendor.url}/api` }));
  await deliver(findingEvent('created'), deps);
  await deliver(findingEvent('fixed'), deps);
  const sent = vendor.requestsTo('POST /api/chat.postMessage').map((r) => r.json() as Record<string, string>);
  expect(sent.map((b) => [b.channel, b.text])).toEqual([
    ['C0123ABCDE', '[High] Query built from user-controlled sources'],
    ['C0123ABCDE', expect.stringMatching(/^\[\w+\] /)],
  ]);
  expect(JSON.parse(sent[1]!.blocks!)).toContainEqual({ type: 'section', fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Event*\nsecorch.finding.resolved', verbatim: true }]) });
});

test('webhook mode posts to the webhook; a failure surfaces as the typed error for the queue to retry', async () => {
  vendor.queue('POST /services/T1/B1/:secret', { status: 200, body: 'ok' }, reply.serverError(502));
  const deliver = slackDestination('slack-hook', slackDestinationSchema.parse({ type: 'slack', webhookUrl: `${vendor.url}/services/T1/B1/s3cr3tW3bh00kP4rt` }));
  await deliver(findingEvent('created'), deps);
  await expect(deliver(findingEvent('created'), deps)).rejects.toMatchObject({ code: 'connector_unavailable', retryable: true });
  expect(vendor.requests).toHaveLength(2);
  expect(JSON.stringify(h.logs)).not.toContain('s3cr3tW3bh00kP4rt');
});

test('readiness: auth.test for a token; a webhook reports ok without posting', async () => {
  vendor.on('GET /api/auth.test', reply.json({ ok: false, error: 'token_revoked' }));
  const config = slackDestinationSchema.parse({ type: 'slack', token: TOKEN, channel: 'C1', baseUrl: `${vendor.url}/api` });
  expect(await slackCheck('slack-sec', config, deps)).toMatchObject({ ok: false, error: { code: 'connector_auth_failed' } });
  expect(await slackCheck('slack-hook', slackDestinationSchema.parse({ type: 'slack', webhookUrl: `${vendor.url}/x` }), deps)).toEqual({ ok: true, latencyMs: 0 });
  expect(vendor.requests).toHaveLength(1);
});
