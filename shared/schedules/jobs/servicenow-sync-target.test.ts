import { testDeps } from '../../../test/deps';
import { startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import { servicenowDestinationSchema } from '../../connectors/servicenow/config';
import { type FakeInstance, fakeInstance } from '../../connectors/servicenow/instance.testkit';
import { type Harness, harness } from '../../connectors/transport.testkit';
import { servicenowSyncJob, servicenowSyncJobSchema } from './servicenow-sync';

/**
 * A servicenow-sync schedule whose destination is pointed at another instance or table, against
 * Table APIs on local vendor servers (instance.testkit.ts; no ServiceNow emulator exists).
 */
let h: Harness;
let servers: VendorServer[];

beforeEach(() => {
  h = harness();
  servers = [];
});
afterEach(async () => {
  await h.close();
  for (const s of servers) await s.close();
});

async function instance(): Promise<FakeInstance & { vendor: VendorServer }> {
  const vendor = await startVendorServer();
  servers.push(vendor);
  return Object.assign(fakeInstance(vendor, { clock: h.clock }), { vendor });
}

function setup() {
  const { deps, bus } = testDeps();
  Object.assign(deps, { http: h.http, clock: h.clock, logger: h.logger });
  /** The schedule's destination is now this instance and table, as after an edited configuration. */
  const point = (sn: { vendor: VendorServer }, table = 'incident') => {
    const snow = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: sn.vendor.url, table, auth: { type: 'basic', username: 'svc', password: 'pw' } });
    deps.config = { destinations: { snow } } as unknown as Config;
  };
  const job = servicenowSyncJobSchema.parse({ type: 'servicenow-sync', destination: 'snow', pageSize: 100, lookbackSeconds: 60 });
  const run = () => servicenowSyncJob.run(job, { schedule: 'snow-sync', tenant: 'default', due: h.clock.now(), deadline: h.clock.now() + 60_000 }, deps);
  const stored = async () => JSON.parse((await deps.store.get('servicenow-sync:snow-sync:cursor'))!.value) as Record<string, unknown>;
  const changes = () => bus.events.map((e) => [e.subject, (e.data as { from: string | null }).from, (e.data as { to: string }).to]);
  return { deps, bus, point, run, stored, changes };
}

const record = (uid: string) => ({ correlation_id: uid, correlation_display: 'secorch' });
const queries = (sn: { vendor: VendorServer }) => sn.vendor.requestsTo('GET /api/now/table/:table').map((r) => [r.params.table, r.query.get('sysparm_query')]);
const warnings = () => h.logs.filter((l) => l.level === 'warn').map((l) => [l.msg, l.fields]);
const FROM_START = 'correlation_display=secorch^ORDERBYsys_updated_on^ORDERBYsys_id';

test('moved to another instance: its records updated before the earlier cursor are listed from the first one, as on a first run', async () => {
  const [a, b] = [await instance(), await instance()];
  const { point, run, stored, changes } = setup();
  // B's records, long before A's: one New, one already In Progress. Two rows of someone else's
  // first, so that B's sys_ids are not A's (the fakes count them alike, as a clone would share them).
  b.insert({ correlation_id: 'x1', correlation_display: 'someone-else' });
  b.insert({ correlation_id: 'x2', correlation_display: 'someone-else' });
  const [b1, b2] = [b.insert(record('f-b1')), b.insert(record('f-b2'))];
  b.change(b2.sys_id!, { state: '2' });
  h.clock.advance(600_000);
  a.insert(record('f-a1'));
  point(a);
  expect(await run()).toMatchObject({ records: 1, emitted: 0 });

  h.clock.advance(600_000);
  point(b);
  expect(await run()).toMatchObject({ records: 2 });
  expect(queries(b)).toEqual([['incident', FROM_START]]);
  expect(warnings()).toEqual([[
    'servicenow-sync: the destination names another instance or table now; listing it from the first record',
    { schedule: 'snow-sync', before: `${a.vendor.url} table=incident`, now: `${b.vendor.url} table=incident` },
  ]]);
  expect(await stored()).toEqual({ on: b2.sys_updated_on, id: b2.sys_id, target: `${b.vendor.url} table=incident` });

  // B's New record is known now: its change is reported from the state seen.
  h.clock.advance(60_000);
  b.change(b1.sys_id!, { state: '2' });
  expect(await run()).toMatchObject({ emitted: 1 });
  expect(changes()).toEqual([['f-b2', null, '2'], ['f-b1', '1', '2']]);
});

test('moved to another table: it is listed from its first record', async () => {
  const sn = await instance();
  const { point, run, stored } = setup();
  sn.insert(record('f-1'));
  point(sn, 'incident');
  await run();
  h.clock.advance(600_000);
  point(sn, 'sn_si_incident');
  await run();
  expect(queries(sn).at(-1)).toEqual(['sn_si_incident', FROM_START]);
  expect(await stored()).toMatchObject({ target: `${sn.vendor.url} table=sn_si_incident` });
});

test('moved to an instance with no record yet: the new target is stored at once, so the next run does not start over again', async () => {
  const [a, b] = [await instance(), await instance()];
  const { point, run, stored } = setup();
  a.insert(record('f-a1'));
  point(a);
  await run();
  point(b);
  expect(await run()).toMatchObject({ records: 0 });
  expect(await stored()).toEqual({ target: `${b.vendor.url} table=incident` });
  h.clock.advance(60_000);
  const b1 = b.insert(record('f-b1'));
  expect(await run()).toMatchObject({ records: 1 });
  expect(warnings()).toHaveLength(1);
  expect(await stored()).toEqual({ on: b1.sys_updated_on, id: b1.sys_id, target: `${b.vendor.url} table=incident` });
});

test('a cursor stored before targets were recorded is taken to be of the configured instance and table: the listing goes on from it', async () => {
  const sn = await instance();
  const { deps, point, run, stored } = setup();
  const r = sn.insert(record('f-1'));
  h.clock.advance(600_000);
  await deps.store.put('servicenow-sync:snow-sync:cursor', JSON.stringify({ on: r.sys_updated_on, id: r.sys_id }));
  point(sn);
  await run();
  expect(queries(sn)[0]![1]).toContain('^sys_updated_on>=');
  expect(warnings()).toEqual([]);
  expect(await stored()).toEqual({ on: r.sys_updated_on, id: r.sys_id, target: `${sn.vendor.url} table=incident` });
});
