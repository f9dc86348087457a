import { startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { memoryStore } from '../../store/memory';
import { type Harness, harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { type FakeInstance, fakeInstance } from './instance.testkit';
import { servicenowTickets } from './tickets';
import { servicenowTransport } from './transport';

/** ServiceNow as a ticket system against a local Table API (instance.testkit.ts, a stand-in: no ServiceNow emulator exists). */
let vendor: VendorServer;
let h: Harness;
let sn: FakeInstance;

beforeEach(async () => {
  vendor = await startVendorServer();
  h = harness();
  sn = fakeInstance(vendor, { clock: h.clock });
});
afterEach(async () => {
  await h.close();
  await vendor.close();
});

const event = (id: string, transition: string): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/github', type: `secorch.finding.${transition}`, subject: 'f-1', tenant: 'acme',
  data: { severity: 'High', finding_info: { uid: 'f-1', title: 'AWS key committed' } },
});

function system() {
  const config = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' } });
  const store = memoryStore(h.clock);
  return servicenowTickets(servicenowTransport('snow', config, { ...h, store }, { sleep: h.sleep, random: () => 0 }), config, store, 'acme');
}

test('a record deleted in the instance: work note and resolve fail for good with an error naming the record, not the path or baseUrl', async () => {
  const s = system();
  const ref = await s.create('f-1', event('e1', 'created'));
  sn.rows.length = 0;
  for (const attempt of [() => s.update(ref, event('e2', 'updated')), () => s.resolve(ref, event('e3', 'resolved'))]) {
    const err = await attempt().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'connector_not_found', retryable: false, facts: { ticket: 'INC0010001', vendorStatus: 404 },
      message: expect.stringMatching(new RegExp(`^snow: INC0010001 \\(sys_id ${ref.id}\\) is no longer in incident: deleted, or hidden from the account by an ACL: No Record found`)),
    });
  }
});
