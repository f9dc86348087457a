import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { applyFindingEvent } from '../tickets';
import type { Harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { servicenowDestination } from './destination';
import { eachFakeInstance, type FakeInstance } from './instance.testkit';
import { findingOfCorrelation } from './uid-map';

/**
 * Tenants do not share incidents: two tenants whose scanners report the same finding uid (the
 * same rule in a repository of the same name, the same AWS resource id) get one incident each,
 * and one tenant's events never update or resolve the other's. The default tenant keeps the bare
 * uid as correlation_id, so incidents opened before keys were tenant-scoped are found again.
 */
let vendor: VendorServer;
let h: Harness;
let sn: FakeInstance;

eachFakeInstance((kit) => ({ vendor, h, sn } = kit));

const UID = 'aws:securityhub:arn:aws:s3:::backups:S3.8';
const finding = (id: string, transition: string, tenant: string | undefined, uid = UID): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/securityhub', type: `secorch.finding.${transition}`, subject: uid,
  ...(tenant === undefined ? {} : { tenant }),
  data: { severity: 'High', finding_info: { uid, title: 'S3 bucket allows public access' } },
});

function setup() {
  const config = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' } });
  const { deps } = testDeps();
  Object.assign(deps, { http: h.http, clock: h.clock });
  return { deliver: servicenowDestination('snow', config, { transport: { sleep: h.sleep, random: () => 0 } }), deps };
}

const cid = (row: Record<string, string> | undefined) => row?.correlation_id;

test('two tenants, one finding uid: one incident each; one tenant resolving leaves the other\'s open', async () => {
  const { deliver, deps } = setup();
  await deliver(finding('a1', 'created', 'acme'), deps);
  await deliver(finding('b1', 'created', 'globex'), deps);
  expect(sn.rows).toHaveLength(2);
  const [acme, globex] = sn.rows;
  expect(cid(acme)).not.toBe(cid(globex));
  // globex's first event made its own incident, so nothing was written on acme's.
  expect(sn.notes.get(acme!.sys_id!)).toBeUndefined();

  await deliver(finding('b2', 'updated', 'globex'), deps);
  await deliver(finding('b3', 'resolved', 'globex'), deps);
  expect(globex).toMatchObject({ state: '6' });
  expect(acme).toMatchObject({ state: '1' });
  expect(sn.notes.get(acme!.sys_id!)).toBeUndefined();
  expect(sn.notes.get(globex!.sys_id!)).toHaveLength(1);
});

test('after the state store is lost, each tenant still finds only its own incident by correlation_id', async () => {
  const first = setup();
  await first.deliver(finding('a1', 'created', 'acme'), first.deps);
  await first.deliver(finding('d1', 'created', 'default'), first.deps);
  expect(sn.rows).toHaveLength(2);
  // A fresh store: the ticket framework has no record and searches the instance.
  const fresh = setup();
  await fresh.deliver(finding('b1', 'updated', 'globex'), fresh.deps);
  await fresh.deliver(finding('a2', 'resolved', 'acme'), fresh.deps);
  await fresh.deliver(finding('d2', 'updated', 'default'), fresh.deps);
  expect(sn.rows).toHaveLength(3);
  expect(sn.rows.map((r) => r.state)).toEqual(['6', '1', '1']);
  expect(sn.notes.get(sn.rows[1]!.sys_id!)).toHaveLength(1);
  expect(sn.notes.get(sn.rows[0]!.sys_id!)).toBeUndefined();
  // The new store learned again whose finding acme's hashed key is, for the sync job.
  expect(await findingOfCorrelation(fresh.deps.store, sn.rows[0]!.correlation_id!)).toEqual({ tenant: 'acme', uid: UID });
});

test('the default tenant (or an event without one) keeps the bare uid, so an incident opened earlier is found again', async () => {
  const earlier = sn.insert({ correlation_id: UID, correlation_display: 'secorch' });
  const { deliver, deps } = setup();
  await deliver(finding('d1', 'updated', 'default'), deps);
  await deliver(finding('n1', 'created', undefined, 'f-2'), deps);
  expect(sn.rows).toHaveLength(2);
  expect(sn.notes.get(earlier.sys_id!)).toHaveLength(1);
  expect(cid(sn.rows[1])).toBe('f-2');
  const queries = vendor.requestsTo('GET /api/now/table/:table').map((r) => r.query.get('sysparm_query'));
  expect(queries).toEqual([`correlation_id=${UID}^ORDERBYsys_created_on`, 'correlation_id=f-2^ORDERBYsys_created_on']);
});

test('another tenant\'s key fits the column, and a default-tenant uid spelled like it gets an incident of its own', async () => {
  const { deliver, deps } = setup();
  await deliver(finding('a1', 'created', 'acme', `${'x'.repeat(120)}^y`), deps);
  await deliver(finding('a2', 'created', 'acme', UID), deps);
  const [long, short] = sn.rows.map(cid);
  for (const key of [long, short]) {
    expect(key).toMatch(/^tenant-sha256:[0-9a-f]{64}$/);
    expect(key!.length).toBeLessThanOrEqual(100);
  }
  // A default-tenant finding whose uid is acme's key, even in other letter case (ServiceNow's
  // string comparison may ignore case): it must not reach acme's incident.
  await deliver(finding('d1', 'updated', 'default', short!.toUpperCase()), deps);
  await deliver(finding('d2', 'created', 'default', short!), deps);
  expect(sn.rows).toHaveLength(4);
  expect(sn.notes.get(sn.rows[1]!.sys_id!)).toBeUndefined();
  expect(sn.rows.slice(2).map(cid)).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/), expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
});

test('a record a tenant got before keys were tenant-scoped (a bare uid) keeps receiving that tenant\'s events', async () => {
  const legacy = sn.insert({ correlation_id: UID, correlation_display: 'secorch' });
  const { deliver, deps } = setup();
  // The ticket framework's record of acme's finding, as written when acme found that record by the bare uid.
  const found = { findByUid: async () => ({ id: legacy.sys_id! }), create: async () => ({ id: 'never' }), update: async () => {}, resolve: async () => {} };
  await applyFindingEvent(found, deps, { destination: 'snow', tenant: 'acme', uid: UID, transition: 'updated', event: finding('a0', 'updated', 'acme') });
  await deliver(finding('a1', 'updated', 'acme'), deps);
  await deliver(finding('a2', 'resolved', 'acme'), deps);
  expect(sn.rows).toHaveLength(1);
  expect(legacy).toMatchObject({ state: '6' });
  expect(sn.notes.get(legacy.sys_id!)).toHaveLength(1);
});
