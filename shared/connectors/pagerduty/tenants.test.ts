import { testDeps } from '../../../test/deps';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import { findingEvent } from '../slack/events.testkit';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { pagerdutyDestinationSchema } from './config';
import { pagerdutyDestination } from './destination';

/**
 * Tenants do not share alerts. The local Events API folds events into alerts the way PagerDuty
 * documents it: a trigger with the dedup_key of an open alert joins that alert, otherwise opens
 * one; acknowledge and resolve act on the open alert with that dedup_key
 * (https://developer.pagerduty.com/docs/events-api-v2/overview/, "Alert de-duplication").
 */
const KEY = 'R0123456789ABCDEF0123456789ABCDE';
const UID = 'github:Codertocat/Hello-World:code_scanning_alert:10';
type Alert = { dedupKey: string; status: 'triggered' | 'acknowledged' | 'resolved'; events: number };
let vendor: VendorServer;
let h: Harness;
let deps: Deps;
let alerts: Alert[];

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  deps = { ...testDeps().deps, http: h.http, clock: h.clock, logger: h.logger };
  alerts = [];
  vendor.on('POST /v2/enqueue', (req) => {
    const body = req.json() as { event_action: string; dedup_key: string };
    const open = alerts.find((a) => a.dedupKey === body.dedup_key && a.status !== 'resolved');
    if (body.event_action === 'trigger' && !open) alerts.push({ dedupKey: body.dedup_key, status: 'triggered', events: 1 });
    else if (open) {
      open.events += 1;
      if (body.event_action === 'resolve') open.status = 'resolved';
      if (body.event_action === 'acknowledge') open.status = 'acknowledged';
    }
    return reply.json({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }, 202);
  });
});

const destination = () => pagerdutyDestination('pd-sec', pagerdutyDestinationSchema.parse({ type: 'pagerduty', routingKey: KEY, baseUrl: vendor.url }), { sleep: h.sleep, random: () => 0.5 });
const of = (kind: 'created' | 'fixed', tenant: string | undefined, id: string, uid = UID): CloudEvent => {
  const e = findingEvent(kind, id);
  const { tenant: _default, ...rest } = e;
  (rest.data as { finding_info: { uid: string } }).finding_info.uid = uid;
  return tenant === undefined ? rest : { ...rest, tenant };
};
const sent = () => vendor.requestsTo('POST /v2/enqueue').map((r) => (r.json() as { dedup_key: string }).dedup_key);

test('two tenants, one finding uid: one alert each; one tenant resolving leaves the other\'s triggered', async () => {
  const send = destination();
  await send(of('created', 'acme', 'a1'), deps);
  await send(of('created', 'globex', 'b1'), deps);
  expect(alerts).toHaveLength(2);
  await send(of('fixed', 'globex', 'b2'), deps);
  expect(alerts.map((a) => a.status)).toEqual(['triggered', 'resolved']);
  expect(alerts[0]!.events).toBe(1);
});

test('the default tenant (or an event without one) keeps the bare uid as dedup_key: alerts opened earlier go on', async () => {
  const send = destination();
  await send(of('created', 'default', 'd1'), deps);
  await send(of('fixed', undefined, 'd2'), deps);
  expect(sent()).toEqual([UID, UID]);
  expect(alerts).toEqual([{ dedupKey: UID, status: 'resolved', events: 2 }]);
});

test('another tenant\'s key is fixed-length within 255, and a default-tenant uid spelled like it gets an alert of its own', async () => {
  const send = destination();
  await send(of('created', 'acme', 'a1', `u${'x'.repeat(300)}`), deps);
  await send(of('created', 'acme', 'a2'), deps);
  const [long, short] = sent();
  for (const key of [long, short]) expect(key).toMatch(/^tenant-sha256:[0-9a-f]{64}$/);
  expect(long).not.toBe(short);
  await send(of('fixed', 'default', 'd1', short!), deps);
  await send(of('fixed', 'default', 'd2', short!.toUpperCase()), deps);
  expect(alerts.map((a) => a.status)).toEqual(['triggered', 'triggered']);
  expect(sent().slice(2)).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/), expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
});
