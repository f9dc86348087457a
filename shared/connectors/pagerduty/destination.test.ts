import { testDeps } from '../../../test/deps';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { findingEvent, surface } from '../slack/events.testkit';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { pagerdutyDestinationSchema } from './config';
import { pagerdutyDestination } from './destination';

/**
 * Against a local Events API answering as documented
 * (https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes--retry-logic):
 * 202 `{status, message, dedup_key}`; 400 `{status: "invalid event", message, errors}`; 429 and
 * 5xx to be retried (https://developer.pagerduty.com/docs/events-api-v2/rate-limits/).
 */
const KEY = 'R0123456789ABCDEF0123456789ABCDE';
const UID = 'github:Codertocat/Hello-World:code_scanning_alert:10';
const accepted = (dedup: string) => reply.json({ status: 'success', message: 'Event processed', dedup_key: dedup }, 202);
let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  deps = { ...testDeps().deps, http: h.http, clock: h.clock, logger: h.logger };
});

const destination = (extra: object = {}) =>
  pagerdutyDestination('pd-sec', pagerdutyDestinationSchema.parse({ type: 'pagerduty', routingKey: KEY, baseUrl: vendor.url, ...extra }), { sleep: h.sleep, random: () => 0.5 });
const sent = () => vendor.requestsTo('POST /v2/enqueue').map((r) => r.json() as { event_action: string; dedup_key: string });

test('three deliveries of one finding and its resolution: one dedup key, so one alert, then resolved', async () => {
  vendor.on('POST /v2/enqueue', (req) => accepted((req.json() as { dedup_key: string }).dedup_key));
  const deliver = destination();
  for (let i = 0; i < 3; i++) await deliver(findingEvent('created'), deps);
  await deliver(findingEvent('fixed'), deps);
  expect(sent().map((b) => [b.event_action, b.dedup_key])).toEqual([['trigger', UID], ['trigger', UID], ['trigger', UID], ['resolve', UID]]);
  expect(vendor.requests[0]!.headers['content-type']).toBe('application/json');
  expect(vendor.requests[0]!.headers.authorization).toBeUndefined();
  expect(h.logs.filter((l) => l.msg === 'pagerduty event sent').map((l) => l.fields.action)).toEqual(['trigger', 'trigger', 'trigger', 'resolve']);
});

test('acknowledge on a configured type; unconfigured types send nothing', async () => {
  vendor.on('POST /v2/enqueue', accepted(UID));
  const deliver = destination({ acknowledgeOn: ['secorch.finding.updated'], triggerOn: ['secorch.finding.created'] });
  await deliver({ ...findingEvent('created'), type: 'secorch.finding.updated' }, deps);
  await deliver({ ...findingEvent('created'), type: 'secorch.webhook.received' }, deps);
  expect(sent()).toEqual([{ routing_key: KEY, event_action: 'acknowledge', dedup_key: UID }]);
});

test('400 invalid event is a final rejection naming the bad field', async () => {
  vendor.on('POST /v2/enqueue', reply.json({ status: 'invalid event', message: 'Event object is invalid', errors: ["'payload.source' is missing or blank"] }, 400));
  const e = await destination()(findingEvent('created'), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: 400, vendorMessage: "'payload.source' is missing or blank" } });
  expect((e as Error).message).toBe("pd-sec: PagerDuty refused the event (HTTP 400): 'payload.source' is missing or blank; fix the template or routingKey it names");
  expect(vendor.requests).toHaveLength(1);
});

test('5xx and a 429 with Retry-After are retried (the dedup key makes a repeat harmless): backoff, then the wait asked for', async () => {
  vendor.queue('POST /v2/enqueue', reply.serverError(502), reply.tooManyRequests('20'));
  vendor.on('POST /v2/enqueue', accepted(UID));
  await destination()(findingEvent('created'), deps);
  expect(h.waits).toEqual([250, 20_000]);
  expect(sent()).toHaveLength(3);
  expect(new Set(sent().map((b) => b.dedup_key))).toEqual(new Set([UID]));
});

test('a 429 without Retry-After is left to the queue with a minute to wait, not repeated within the call (PagerDuty asks for a backoff of minutes)', async () => {
  const throttled = reply.tooManyRequests(undefined, {}, { status: 'throttle event', message: 'Requests for this service are arriving too quickly.  Please retry later.' });
  vendor.on('POST /v2/enqueue', throttled);
  await expect(destination()(findingEvent('created'), deps)).rejects.toMatchObject({
    code: 'connector_rate_limited', retryable: true, retryAfterMs: 60_000, headers: { 'retry-after': '60' },
  });
  expect(h.waits).toEqual([]);
  expect(vendor.requests).toHaveLength(1);
  // The same after a 5xx was retried: the 429 still ends the call at once.
  vendor.queue('POST /v2/enqueue', reply.serverError(503));
  await expect(destination()(findingEvent('created'), deps)).rejects.toMatchObject({ code: 'connector_rate_limited', retryAfterMs: 60_000 });
  expect(h.waits).toEqual([250]);
  expect(vendor.requests).toHaveLength(3);
});

test('when retries run out, the error is retryable and says when to come back', async () => {
  vendor.on('POST /v2/enqueue', reply.tooManyRequests('120'));
  await expect(destination()(findingEvent('created'), deps)).rejects.toMatchObject({ code: 'connector_rate_limited', retryable: true, retryAfterMs: 120_000 });
  expect(vendor.requests).toHaveLength(1);
});

test('the routing key shows in no log line and no error, even when the answer echoes it', async () => {
  vendor.queue('POST /v2/enqueue', reply.serverError(500), reply.json({ status: 'invalid event', message: `Unknown routing key ${KEY}`, errors: [`routing_key ${KEY} is not valid`] }, 400));
  const e = await destination()(findingEvent('created'), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected' });
  expect(surface(e)).not.toContain(KEY);
  expect(h.logs.length).toBeGreaterThan(0);
  expect(JSON.stringify(h.logs)).not.toContain(KEY);
});

test('a finding whose details exceed the 512 KB event limit still pages: custom_details shrink to fit, naming what was left out', async () => {
  // "Events API payloads are limited to 512 KB" (https://developer.pagerduty.com/docs/events-api-v2/overview/#size-limits);
  // the status PagerDuty gives a larger one is not documented: emulated as its 400 invalid event.
  vendor.on('POST /v2/enqueue', (req) => (Buffer.byteLength(req.body) > 512 * 1000
    ? reply.json({ status: 'invalid event', message: 'Event object is invalid', errors: ['Event too large'] }, 400)
    : accepted((req.json() as { dedup_key: string }).dedup_key)));
  const e = findingEvent('created');
  (e.data as { finding_info: { desc: string } }).finding_info.desc = '\u6f0f'.repeat(200_000);
  await destination()(e, deps);
  const [req] = vendor.requestsTo('POST /v2/enqueue');
  expect(Buffer.byteLength(req!.body)).toBeLessThanOrEqual(512 * 1000);
  const details = (req!.json() as { payload: { custom_details: Record<string, unknown> } }).payload.custom_details;
  expect(details).toMatchObject({ finding_uid: UID, severity: 'High', event_id: 'evt-created', omitted_for_size: ['description'] });
  expect(details).not.toHaveProperty('description');
});
