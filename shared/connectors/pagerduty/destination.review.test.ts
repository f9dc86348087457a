import { testDeps } from '../../../test/deps';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { findingEvent } from '../slack/events.testkit';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { pagerdutyDestinationSchema } from './config';
import { pagerdutyDestination } from './destination';
import { pagerdutySeverity } from './severity';

/**
 * Against a local Events API that checks what PagerDuty documents for a trigger
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): `payload.severity` is
 * one of critical, error, warning, info; anything else is refused as `400 invalid event`.
 */
const KEY = 'R0123456789ABCDEF0123456789ABCDE';
let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  deps = { ...testDeps().deps, http: h.http, clock: h.clock, logger: h.logger };
  vendor.on('POST /v2/enqueue', (req) => {
    const body = req.json() as { dedup_key: string; event_action: string; payload?: { severity?: unknown } };
    if (body.event_action === 'trigger' && !['critical', 'error', 'warning', 'info'].includes(body.payload?.severity as string)) {
      return reply.json({ status: 'invalid event', message: 'Event object is invalid', errors: ["'payload.severity' is missing or blank"] }, 400);
    }
    return reply.json({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }, 202);
  });
});

const destination = () => pagerdutyDestination('pd-sec', pagerdutyDestinationSchema.parse({ type: 'pagerduty', routingKey: KEY, baseUrl: vendor.url }), { sleep: h.sleep, random: () => 0.5 });

test.each(['constructor', '__proto__', 'Constructor'])('a severity word that names a member of every object (%s) maps to info, and the finding pages', async (word) => {
  expect(pagerdutySeverity(word)).toBe('info');
  const e = findingEvent('created');
  const data = e.data as Record<string, unknown>;
  delete data.severity_id;
  data.severity = word;
  await destination()(e, deps);
  const [req] = vendor.requestsTo('POST /v2/enqueue');
  expect((req!.json() as { payload: { severity: unknown } }).payload.severity).toBe('info');
});

test.each([
  ['an HTML page (a proxy, a baseUrl that is not the Events API)', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in</body></html>' }],
  ['an empty answer', { status: 204 }],
  ['JSON that is not an Events API answer', reply.json({ ok: true }, 200)],
])('a 2xx that is %s is connector_bad_response, never taken for a page', async (_, answer) => {
  vendor.queue('POST /v2/enqueue', answer);
  await expect(destination()(findingEvent('created'), deps)).rejects.toMatchObject({ code: 'connector_bad_response', extra: { vendorStatus: answer.status } });
  expect(h.logs.some((l) => l.msg === 'pagerduty event sent')).toBe(false);
});

test.each([307, 308])('an Events API answering %i is a failure: the event, routing key included, is not sent on to the Location', async (status) => {
  vendor.on('POST /v2/enqueue', { status, headers: { location: '/v2/collect' } });
  vendor.on('POST /v2/collect', reply.json({ status: 'success', message: 'Event processed', dedup_key: 'k' }, 202));
  const e = await destination()(findingEvent('created'), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: status, path: '/v2/enqueue' } });
  expect((e as Error).message).toContain('redirects are not followed');
  expect(vendor.requests.map((r) => r.path)).toEqual(['/v2/enqueue']);
});
