import { testDeps } from '../../../test/deps';
import { startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import { servicenowDestinationSchema } from '../../connectors/servicenow/config';
import { type FakeInstance, fakeInstance } from '../../connectors/servicenow/instance.testkit';
import { type Harness, harness } from '../../connectors/transport.testkit';
import { servicenowSyncJob, servicenowSyncJobSchema, TICKET_STATUS_CHANGED } from './servicenow-sync';

/**
 * An incident state is the instance's answer: a state named like an Object member (a custom
 * choice, a proxy's page) has no label, rather than Object.prototype's function or object as one.
 */
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

test.each(['constructor', 'toString', '__proto__'])('an incident state %s is emitted with a null label', async (state) => {
  const snow = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' } });
  const { deps, bus } = testDeps();
  Object.assign(deps, { http: h.http, clock: h.clock, logger: h.logger, config: { destinations: { snow } } as unknown as Config });
  const job = servicenowSyncJobSchema.parse({ type: 'servicenow-sync', destination: 'snow', pageSize: 100, lookbackSeconds: 0 });
  const run = () => servicenowSyncJob.run(job, { schedule: 'snow-sync', tenant: 'default', due: h.clock.now(), deadline: h.clock.now() + 60_000 }, deps);
  const row = sn.insert({ correlation_id: 'f-1', correlation_display: 'secorch' });
  await run();
  h.clock.advance(1000);
  sn.change(row.sys_id!, { state });
  await run();
  h.clock.advance(1000);
  sn.change(row.sys_id!, { state: '6' });
  await run();
  const data = bus.events.filter((e) => e.type === TICKET_STATUS_CHANGED).map((e) => e.data as Record<string, unknown>);
  expect(data).toEqual([
    expect.objectContaining({ from: '1', to: state, from_label: 'New', to_label: null }),
    expect.objectContaining({ from: state, to: '6', from_label: null, to_label: 'Resolved' }),
  ]);
});
