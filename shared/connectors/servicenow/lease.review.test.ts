import { testDeps } from '../../../test/deps';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import type { Harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { servicenowDestination } from './destination';
import { eachFakeInstance, type FakeInstance } from './instance.testkit';

/**
 * The create lease (../tickets.ts) must outlast the create call: a redelivery that finds it
 * expired searches by correlation_id, and a create still waiting for its answer is not in the
 * table yet, so the redelivery creates a second incident. A call may take up to 90 s (a token
 * request and an attempt of 30 s each, and 30 s of waits after 429s), and the instance may
 * still commit an insert after the client gave up on it.
 */
let vendor: VendorServer;
let h: Harness;
let sn: FakeInstance;

eachFakeInstance((kit) => ({ vendor, h, sn } = kit));

const base = { type: 'servicenow', auth: { type: 'basic', username: 'svc', password: 'pw' } };
const finding = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/github', type: 'secorch.finding.created', subject: 'f-1', tenant: 'acme',
  data: { severity: 'High', finding_info: { uid: 'f-1', title: 'AWS key committed' } },
});

test.each([1, 10, 60, 119])('a lease shorter than a create call may take (%i s) is refused', (leaseSeconds) => {
  const r = servicenowDestinationSchema.safeParse({ ...base, instanceUrl: 'https://acme.service-now.com', leaseSeconds });
  expect(r.success).toBe(false);
  expect(r.success ? [] : r.error.issues.map((i) => i.path.join('.'))).toEqual(['leaseSeconds']);
});

test('a redelivery while a slow create (90 s) waits for its answer makes no second incident', async () => {
  const config = servicenowDestinationSchema.parse({ ...base, instanceUrl: vendor.url, leaseSeconds: 120 });
  const deliver = servicenowDestination('snow', config, { transport: { sleep: h.sleep, random: () => 0 } });
  const deps: Deps = { ...testDeps().deps, http: h.http, clock: h.clock };
  let redelivered: unknown;
  vendor.queue('POST /api/now/table/:table', async (req) => {
    // The instance takes 90 s to insert; meanwhile the event is delivered again.
    h.clock.advance(90_000);
    redelivered = await deliver(finding('e1'), deps).catch((e: unknown) => e);
    return reply.json({ result: sn.insert(req.json() as Record<string, string>) }, 201);
  });
  await deliver(finding('e1'), deps);
  expect(redelivered).toMatchObject({ code: 'ticket_in_progress', retryable: true });
  expect(sn.rows).toHaveLength(1);
});
