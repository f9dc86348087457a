import { testDeps } from '../../../test/deps';
import type { StateStore } from '../../ports/store';
import { reply, startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import { applyFindingEvent } from '../../connectors/tickets';
import { servicenowDestinationSchema } from '../../connectors/servicenow/config';
import { servicenowDestination } from '../../connectors/servicenow/destination';
import { type FakeInstance, fakeInstance } from '../../connectors/servicenow/instance.testkit';
import { correlationId } from '../../connectors/servicenow/correlation';
import { rememberFinding } from '../../connectors/servicenow/uid-map';
import { lookBack, type SyncCursor, updatedSinceQuery } from '../../connectors/servicenow/updated-since';
import { type Harness, harness } from '../../connectors/transport.testkit';
import { servicenowSyncJob, servicenowSyncJobSchema, TICKET_STATUS_CHANGED } from './servicenow-sync';
import { servicenowSyncProblems } from './servicenow-sync-config';
import { EPOCH } from './servicenow-sync-target.testkit';

/** The sync job against a local Table API (instance.testkit.ts): changes emitted once, resumable. */
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

function setup(jobOver: Record<string, unknown> = {}, tenant = 'default') {
  const snow = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' } });
  const { deps, bus } = testDeps();
  Object.assign(deps, { http: h.http, clock: h.clock, logger: h.logger, config: { destinations: { snow } } as unknown as Config });
  const job = servicenowSyncJobSchema.parse({ type: 'servicenow-sync', destination: 'snow', pageSize: 100, ...jobOver });
  const runFor = (t: string, schedule = 'snow-sync') => servicenowSyncJob.run(job, { schedule, tenant: t, due: h.clock.now(), deadline: h.clock.now() + 60_000 }, deps);
  const run = () => runFor(tenant);
  return { deps, bus, run, runFor, snow };
}

const incident = (i: number) => ({ correlation_id: `f-${i}`, correlation_display: 'secorch' });

test('1,000 incidents in pages of 100, interrupted once: each state change is emitted exactly once', async () => {
  const { bus, run, deps } = setup({ lookbackSeconds: 5 });
  // Ten records per second, so many share a sys_updated_on and pages split such ties.
  for (let i = 0; i < 1000; i++) {
    sn.insert(incident(i));
    h.clock.advance(100);
  }
  sn.insert({ correlation_id: 'x', correlation_display: 'someone-else' });
  expect(await run()).toMatchObject({ records: 1000, emitted: 0 });
  const baseline = JSON.parse((await deps.store.get('servicenow-sync:snow-sync:cursor'))!.value) as SyncCursor;

  h.clock.advance(3_600_000);
  const changed = new Map<string, string>();
  for (let i = 0; i < 1000; i += 3) {
    const to = i % 2 ? '2' : '6';
    sn.change(sn.rows[i]!.sys_id!, { state: to });
    changed.set(`f-${i}`, to);
    h.clock.advance(50);
  }
  // The third page fails past the transport's retries (4 attempts): the run fails midway ...
  vendor.queue('GET /api/now/table/:table', sn.listing, sn.listing, ...Array.from({ length: 4 }, () => reply.serverError(500)));
  await expect(run()).rejects.toMatchObject({ code: 'connector_unavailable' });
  const before = bus.events.length;
  expect(before).toBeGreaterThan(0);
  // ... and the next run resumes from the record after the second page, not from the start (and
  // not a look-back before it: the listing had not reached its end).
  const requestsBefore = vendor.requestsTo('GET /api/now/table/:table').length;
  const saved = JSON.parse((await deps.store.get('servicenow-sync:snow-sync:cursor'))!.value) as SyncCursor;
  expect(saved.on > baseline.on).toBe(true);
  const result = await run();
  const resumed = vendor.requestsTo('GET /api/now/table/:table')[requestsBefore]!.query.get('sysparm_query')!;
  expect(resumed).toBe(updatedSinceQuery(saved));
  expect(result).toMatchObject({ emitted: 334 - before });

  const events = bus.events.filter((e) => e.type === TICKET_STATUS_CHANGED);
  expect(events).toHaveLength(334);
  expect(new Set(events.map((e) => e.id)).size).toBe(334);
  expect(new Map(events.map((e) => [e.subject, (e.data as { to: string }).to]))).toEqual(changed);
  expect(events[0]).toMatchObject({
    source: '//secorch/schedules/snow-sync', tenant: 'default', origin: 'schedule:snow-sync', subject: 'f-0',
    data: { finding_uid: 'f-0', system: 'servicenow', table: 'incident', number: 'INC0010001', from: '1', to: '6', from_label: 'New', to_label: 'Resolved' },
  });
  // A run with nothing new re-reads only the look-back window and emits nothing.
  expect(await run()).toMatchObject({ emitted: 0 });
  expect(bus.events).toHaveLength(334);
});

test('a second change of the same incident is a second event; a hashed correlation names the real uid', async () => {
  const { deps, bus, run } = setup({ lookbackSeconds: 0 });
  const long = `scanner:${'x'.repeat(150)}`;
  await rememberFinding(deps.store, 'default', long);
  const row = sn.insert({ correlation_id: correlationId('default', long), correlation_display: 'secorch' });
  await run();
  h.clock.advance(1000);
  sn.change(row.sys_id!, { state: '2' });
  await run();
  h.clock.advance(1000);
  sn.change(row.sys_id!, { state: '6' });
  sn.change(row.sys_id!, { short_description: 'edited, same state' });
  await run();
  expect(bus.events.map((e) => [e.subject, (e.data as { from: string }).from, (e.data as { to: string }).to])).toEqual([[long, '1', '2'], [long, '2', '6']]);
});

const finding = (id: string, tenant: string, uid: string): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/securityhub', type: 'secorch.finding.created', subject: uid, tenant,
  data: { severity: 'High', finding_info: { uid, title: 'S3 bucket allows public access' } },
});

test('tenants sharing a finding uid: each tenant\'s schedule reports only its own records, under the finding\'s uid', async () => {
  const { deps, bus, runFor, snow } = setup({ lookbackSeconds: 0 });
  const deliver = servicenowDestination('snow', snow, { transport: { sleep: h.sleep, random: () => 0 } });
  const uid = 'aws:securityhub:arn:aws:s3:::backups:S3.8';
  const long = `scanner:${'x'.repeat(150)}`;
  for (const [i, tenant] of ['default', 'acme', 'globex'].entries()) await deliver(finding(`c${i}`, tenant, uid), deps);
  await deliver(finding('c3', 'acme', long), deps);
  await deliver(finding('c4', 'default', long), deps);
  const [dflt, acme, , acmeLong, dfltLong] = sn.rows.map((r) => r.sys_id!);
  for (const t of ['default', 'acme', 'globex']) await runFor(t, `sync-${t}`);
  h.clock.advance(1000);
  for (const r of sn.rows) sn.change(r.sys_id!, { state: '2' });
  expect(await runFor('acme', 'sync-acme')).toMatchObject({ emitted: 2, otherTenant: 3, unknownFinding: 0 });
  expect(await runFor('default', 'sync-default')).toMatchObject({ emitted: 2, otherTenant: 3, unknownFinding: 0 });
  expect(await runFor('initech', 'sync-initech')).toMatchObject({ emitted: 0, otherTenant: 5 });
  expect(bus.events.map((e) => [e.tenant, e.subject, (e.data as { sys_id: string }).sys_id])).toEqual([
    ['acme', uid, acme], ['acme', long, acmeLong], ['default', uid, dflt], ['default', long, dfltLong],
  ]);
});

test('a record a tenant got before keys were tenant-scoped (a bare uid) stays that tenant\'s: its ticket record names it', async () => {
  const { deps, bus, runFor } = setup({ lookbackSeconds: 0 });
  const legacy = sn.insert({ correlation_id: 'f-legacy', correlation_display: 'secorch' });
  // The ticket framework's record of acme's finding, as written when acme found that record by the bare uid.
  const found = { findByUid: async () => ({ id: legacy.sys_id! }), create: async () => ({ id: 'never' }), update: async () => {}, resolve: async () => {} };
  await applyFindingEvent(found, deps, { destination: 'snow', tenant: 'acme', uid: 'f-legacy', transition: 'updated', event: { ...finding('e0', 'acme', 'f-legacy'), type: 'secorch.finding.updated' } });
  h.clock.advance(1000);
  sn.change(legacy.sys_id!, { state: '2' });
  expect(await runFor('acme', 'sync-acme')).toMatchObject({ emitted: 1 });
  expect(await runFor('globex', 'sync-globex')).toMatchObject({ emitted: 0, otherTenant: 1 });
  expect(bus.events.map((e) => [e.tenant, e.subject])).toEqual([['acme', 'f-legacy']]);
});

test('the keyset query: records after the cursor, ties in its second broken by sys_id, oldest first', async () => {
  const { run, deps } = setup({ pageSize: 2, lookbackSeconds: 0 });
  for (let i = 0; i < 3; i++) sn.insert(incident(i));
  await run();
  const queries = vendor.requestsTo('GET /api/now/table/:table').map((r) => r.query.get('sysparm_query'));
  const on = sn.rows[0]!.sys_updated_on;
  expect(queries).toEqual([
    'correlation_display=secorch^ORDERBYsys_updated_on^ORDERBYsys_id',
    `correlation_display=secorch^sys_updated_on>${on}^NQcorrelation_display=secorch^sys_updated_on=${on}^sys_id>${sn.rows[1]!.sys_id}^ORDERBYsys_updated_on^ORDERBYsys_id`,
  ]);
  expect(JSON.parse((await deps.store.get('servicenow-sync:snow-sync:cursor'))!.value)).toEqual({ on, id: sn.rows[2]!.sys_id, target: `${vendor.url} table=incident`, epoch: EPOCH });
});

test('a look-back run asks for the whole second with >=, never a comparison with an empty value', async () => {
  const { run } = setup({ pageSize: 2, lookbackSeconds: 60 });
  for (let i = 0; i < 3; i++) sn.insert(incident(i));
  await run();
  h.clock.advance(120_000);
  await run();
  const queries = vendor.requestsTo('GET /api/now/table/:table').map((r) => r.query.get('sysparm_query')!);
  const back = lookBack({ on: sn.rows[2]!.sys_updated_on!, id: sn.rows[2]!.sys_id! }, 60).on;
  expect(queries.at(-2)).toBe(`correlation_display=secorch^sys_updated_on>=${back}^ORDERBYsys_updated_on^ORDERBYsys_id`);
  // Every term of every query carries a value (ServiceNow drops, or with
  // glide.invalid_query.returns_no_rows refuses, terms it cannot read).
  for (const q of queries) for (const term of q.split(/\^NQ|\^/)) expect(term).not.toMatch(/(>=|<=|!=|=|>|<)$/);
});

test('a stored cursor that is not valid JSON (or not a cursor) restarts the listing with a warning naming the key', async () => {
  const { deps, bus, run } = setup({ lookbackSeconds: 0 });
  const row = sn.insert(incident(0));
  await run();
  h.clock.advance(1000);
  sn.change(row.sys_id!, { state: '2' });
  for (const corrupt of ['{"on":', '{"on":"yesterday","id":"x"}']) {
    await deps.store.put('servicenow-sync:snow-sync:cursor', corrupt);
    await expect(run()).resolves.toMatchObject({ records: 1 });
    expect(h.logs.filter((l) => l.msg.startsWith('servicenow-sync: stored cursor unreadable')).at(-1)).toMatchObject({ level: 'warn', fields: { key: 'servicenow-sync:snow-sync:cursor' } });
    expect(JSON.parse((await deps.store.get('servicenow-sync:snow-sync:cursor'))!.value)).toEqual({ on: row.sys_updated_on, id: row.sys_id, target: `${vendor.url} table=incident`, epoch: EPOCH });
  }
  expect(vendor.requestsTo('GET /api/now/table/:table').at(-1)!.query.get('sysparm_query')).toBe('correlation_display=secorch^ORDERBYsys_updated_on^ORDERBYsys_id');
  // The per-record state is intact: the change is reported once.
  expect(bus.events.map((e) => (e.data as { to: string }).to)).toEqual(['2']);
});

test('a stored target state that is not one (a bad edit) is written again with a warning naming its key: the cursor and the states are read on, a change is reported once', async () => {
  const { deps, bus, run } = setup({ lookbackSeconds: 0 });
  const row = sn.insert(incident(0));
  await run();
  h.clock.advance(1000);
  sn.change(row.sys_id!, { state: '2' });
  await deps.store.put('servicenow-sync-target:default:snow', '{"target":');
  await expect(run()).resolves.toMatchObject({ records: 1, emitted: 1 });
  expect(h.logs.filter((l) => l.level === 'warn')).toEqual([expect.objectContaining({ msg: 'servicenow-sync: stored target state unreadable; written again', fields: { schedule: 'snow-sync', key: 'servicenow-sync-target:default:snow' } })]);
  expect(vendor.requestsTo('GET /api/now/table/:table').at(-1)!.query.get('sysparm_query')).toContain('^sys_updated_on>');
  expect(JSON.parse((await deps.store.get('servicenow-sync-target:default:snow'))!.value)).toEqual({ target: `${vendor.url} table=incident`, epoch: EPOCH });
  expect(await run()).toMatchObject({ emitted: 0 });
  expect(bus.events.map((e) => (e.data as { from: string; to: string }).to)).toEqual(['2']);
});

test('another run that moves the cursor after this run read it makes this run stop (conflict: true, a warning), not move it back', async () => {
  const { deps, run } = setup({ pageSize: 2, lookbackSeconds: 0 });
  for (let i = 0; i < 5; i++) {
    sn.insert(incident(i));
    h.clock.advance(1000);
  }
  await run();
  const key = 'servicenow-sync:snow-sync:cursor';
  const inner = deps.store;
  // A second run of the schedule (one that overran into the next due time) saves a later cursor
  // between this run's read of the cursor and its first save.
  const theirs = JSON.stringify({ on: '2099-01-01 00:00:00', id: 'f'.repeat(32) });
  let interfered = false;
  const store: StateStore = {
    ...inner,
    async get(k) {
      const item = await inner.get(k);
      if (k === key && !interfered) {
        interfered = true;
        expect(await inner.put(key, theirs, { ifVersion: item!.version })).toBe(true);
      }
      return item;
    },
  };
  deps.store = store;
  await deps.store.put(key, JSON.stringify({ on: sn.rows[0]!.sys_updated_on, id: sn.rows[0]!.sys_id }));
  // Overtaken, not failed: the other run carries on from its cursor.
  await expect(run()).resolves.toMatchObject({ conflict: true });
  expect((await inner.get(key))!.value).toBe(theirs);
});

test('problems: the job must name a servicenow destination', () => {
  const config = { destinations: { snow: { type: 'servicenow' }, out: { type: 'file', path: '/tmp/x' } } } as unknown as Config;
  const job = (destination: string) => servicenowSyncJobSchema.parse({ type: 'servicenow-sync', destination });
  expect(servicenowSyncProblems(job('snow'), 'schedules.s.job', config)).toEqual([]);
  expect(servicenowSyncProblems(job('out'), 'schedules.s.job', config)).toEqual(['schedules.s.job.destination: "out" is a file destination, not servicenow']);
  expect(servicenowSyncProblems(job('nope'), 'schedules.s.job', config)).toEqual(['schedules.s.job.destination: unknown destination "nope"']);
});
