import type { CloudEvent } from '../events/cloudevent';
import type { Logger } from '../ports/logger';
import type { StateStore } from '../ports/store';
import { memoryStore } from '../store/memory';
import { applyFindingEvent, ticketRecordKey } from './tickets';
import { fakeTicketTarget as fakeTarget } from './tickets.testkit';

/**
 * A finding's ticket belongs to the origin that opened it (../tickets.ts): an event of another
 * origin with the same finding uid neither comments on, resolves, reopens nor creates it. The
 * target is the in-memory fake of tickets.testkit.ts; the Jira destination
 * against its vendor fake is in jira/destination.test.ts.
 */

const T0 = Date.parse('2030-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const SCANNER = 'webhook:scanner';
const OTHER = 'api:ci-bot';
const FOREIGN = 'ticket of another origin';

type Transition = 'created' | 'updated' | 'resolved';
type Log = { level: string; msg: string; fields: Record<string, unknown> };

function setup() {
  let now = T0 + 86_400_000;
  const clock = { now: () => now };
  const store = memoryStore(clock);
  const logs: Log[] = [];
  // Child loggers' fields are kept, so a test sees every field a log line carries.
  const bound = (fields: Record<string, unknown>): Logger => {
    const log = (level: string) => (msg: string, more: Record<string, unknown> = {}) => void logs.push({ level, msg, fields: { ...fields, ...more } });
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (more) => bound({ ...fields, ...more }) };
  };
  const logger = bound({});
  const counted: { name: string; value?: number; tags?: Record<string, string> }[] = [];
  const metrics = { count: (name: string, value?: number, tags?: Record<string, string>) => void counted.push({ name, value, tags }), timing() {} };
  const deps = { store, clock, logger, metrics };
  /** A finding event of `origin` (none: an event published without the attribute). */
  const req = (id: string, transition: Transition, origin: string | undefined, time: string | undefined = undefined) => {
    const event: CloudEvent = {
      specversion: '1.0', id, source: 'test', type: `secorch.finding.${transition}`, subject: 'f-1',
      ...(time === undefined ? {} : { time }), ...(origin === undefined ? {} : { origin }),
      data: { finding_info: { uid: 'f-1', title: 'secret data of the event' } },
    };
    return { destination: 'jira', tenant: 't', uid: 'f-1', transition, event };
  };
  const key = ticketRecordKey({ destination: 'jira', tenant: 't', uid: 'f-1' });
  const record = async () => {
    const held = await store.get(key);
    return held && { ...(JSON.parse(held.value) as Record<string, unknown>), version: held.version, expiresAt: held.expiresAt };
  };
  const warnings = () => logs.filter((l) => l.level === 'warn');
  return { deps, req, store, key, record, logs, warnings, counted, advance: (ms: number) => (now += ms) };
}

test('the records of a finding carry the origin of the event that opened it; later events keep it', async () => {
  const { deps, req, store, record } = setup();
  const t = fakeTarget();
  const written: Record<string, unknown>[] = [];
  const watching: StateStore = { ...store, put: (k, v, o) => (written.push(JSON.parse(v)), store.put(k, v, o)) };
  await applyFindingEvent(t.system, { ...deps, store: watching }, req('c1', 'created', SCANNER, at(0)));
  expect(written.map((r) => [r.state, r.origin])).toEqual([['creating', SCANNER], ['created', SCANNER]]);
  await applyFindingEvent(t.system, deps, req('u1', 'updated', SCANNER, at(5)));
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', SCANNER, at(10)));
  await applyFindingEvent(t.system, deps, req('u2', 'updated', SCANNER, at(20)));
  expect(await record()).toMatchObject({ state: 'created', origin: SCANNER, applied: ['c1', 'u1', 'r1', 'u2'], resolved: false });
  expect(t.calls.filter((c) => !c.startsWith('find'))).toEqual(['create c1', 'update u1', 'resolve r1', 'reopen u2', 'update u2']);
});

test('an event of another origin neither comments on, resolves nor reopens the ticket: skipped, one warning, counted, nothing called', async () => {
  const { deps, req, record, warnings, counted, logs } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', SCANNER, at(0)));
  const before = await record();
  const calls = t.calls.length;
  for (const [id, transition, time] of [['x1', 'updated', at(5)], ['x2', 'resolved', at(6)], ['x3', 'created', at(7)]] as const) {
    expect(await applyFindingEvent(t.system, deps, req(id, transition, OTHER, time))).toEqual({ action: 'skipped', reason: FOREIGN, ref: { id: '1', key: 'SEC-1' } });
  }
  expect(t.calls.length).toBe(calls);
  expect(t.tickets.get('1')).toMatchObject({ comments: [], resolved: false });
  expect(await record()).toEqual(before);
  expect(warnings()).toHaveLength(3);
  expect(warnings()[0]).toEqual({
    level: 'warn',
    msg: 'finding event of another origin than the one that opened the ticket; acknowledged without acting on it',
    fields: { destination: 'jira', tenant: 't', origin: OTHER, ticketOrigin: SCANNER, ticket: 'SEC-1' },
  });
  // Nothing of the event's data is logged.
  expect(JSON.stringify(logs)).not.toContain('secret data of the event');
  expect(counted).toEqual(Array(3).fill({ name: 'tickets.foreign_origin', value: 1, tags: { destination: 'jira' } }));

  // The owner's events go on as before.
  expect((await applyFindingEvent(t.system, deps, req('u1', 'updated', SCANNER, at(8)))).action).toBe('updated');
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', SCANNER, at(9)))).action).toBe('resolved');
  // Resolved by its owner: an event of another origin dated after it reopens nothing.
  expect(await applyFindingEvent(t.system, deps, req('x4', 'updated', OTHER, at(30)))).toMatchObject({ action: 'skipped', reason: FOREIGN });
  expect(t.tickets.get('1')).toMatchObject({ comments: ['u1'], resolved: true });
  expect(t.calls.filter((c) => !c.startsWith('find'))).toEqual(['create c1', 'update u1', 'resolve r1']);
  expect((await applyFindingEvent(t.system, deps, req('u2', 'updated', SCANNER, at(30)))).action).toBe('reopened');
});

test('a deleted ticket is replaced for its owner only, and the new one is the owner\'s too', async () => {
  const { deps, req, record } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', SCANNER, at(0)));
  t.tickets.delete('1');
  expect((await applyFindingEvent(t.system, deps, req('x1', 'updated', OTHER, at(5)))).action).toBe('skipped');
  expect(t.tickets.size).toBe(0);
  expect(await applyFindingEvent(t.system, deps, req('u1', 'updated', SCANNER, at(5)))).toEqual({ action: 'created', ref: { id: '2', key: 'SEC-2' } });
  expect(await record()).toMatchObject({ state: 'created', origin: SCANNER, ref: { id: '2' } });
  expect((await applyFindingEvent(t.system, deps, req('x2', 'resolved', OTHER, at(6)))).action).toBe('skipped');
  expect(t.tickets.get('2')).toMatchObject({ resolved: false });
});

test('a create under way is another origin\'s too: acknowledged, not retried', async () => {
  const { deps, req, store, record, advance } = setup();
  const t = fakeTarget();
  // The owner's create dies after its lease was taken: the `creating` record stays, lease running.
  const dying: StateStore = { ...store, put: async (k, v, o) => (JSON.parse(v).state === 'created' ? Promise.reject(new Error('killed')) : store.put(k, v, o)) };
  await expect(applyFindingEvent(t.system, { ...deps, store: dying }, req('c1', 'created', SCANNER, at(0)))).rejects.toThrow('killed');
  expect(await record()).toMatchObject({ state: 'creating', origin: SCANNER });
  expect(await applyFindingEvent(t.system, deps, req('x1', 'created', OTHER, at(1)))).toEqual({ action: 'skipped', reason: FOREIGN });
  // Its lease over, the finding is still the owner's: the other origin neither searches nor adopts.
  advance(121_000);
  expect(await applyFindingEvent(t.system, deps, req('x1', 'created', OTHER, at(1)))).toEqual({ action: 'skipped', reason: FOREIGN });
  expect(t.calls).toEqual(['find f-1', 'create c1']);
  expect(await applyFindingEvent(t.system, deps, req('c1', 'created', SCANNER, at(0)))).toEqual({ action: 'adopted', ref: { id: '1', key: 'SEC-1' } });
  expect(await record()).toMatchObject({ state: 'created', origin: SCANNER });
});

test('a finding resolved before any ticket is its resolver\'s: another origin creates no ticket and does not move the record on', async () => {
  const { deps, req, record, warnings } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', SCANNER, at(10)));
  const before = await record();
  expect(before).toMatchObject({ state: 'resolved', origin: SCANNER, at: T0 + 600_000 });
  // Dated after the resolve: from the owner this would be the finding open again, and make a ticket.
  expect(await applyFindingEvent(t.system, deps, req('x1', 'created', OTHER, at(20)))).toEqual({ action: 'skipped', reason: FOREIGN });
  expect(await applyFindingEvent(t.system, deps, req('x2', 'resolved', OTHER, at(30)))).toEqual({ action: 'skipped', reason: FOREIGN });
  expect(await record()).toEqual(before);
  expect(t.calls).toEqual(['find f-1']);
  expect(warnings().map((w) => w.fields)).toEqual(Array(2).fill({ destination: 'jira', tenant: 't', origin: OTHER, ticketOrigin: SCANNER }));
  // The owner's later resolve moves the record on, keeping its origin; the owner's found-again event makes the ticket.
  await applyFindingEvent(t.system, deps, req('r2', 'resolved', SCANNER, at(15)));
  expect(await record()).toMatchObject({ state: 'resolved', origin: SCANNER, at: T0 + 900_000, eventId: 'r2' });
  expect((await applyFindingEvent(t.system, deps, req('c1', 'created', SCANNER, at(20)))).action).toBe('created');
  expect(await record()).toMatchObject({ state: 'created', origin: SCANNER });
});

test('records written before origins were kept are acted on by any origin, as before, and never taken over', async () => {
  const { deps, req, store, key, record, warnings } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', SCANNER, at(0)));
  await store.put(key, JSON.stringify({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1'] }));
  expect((await applyFindingEvent(t.system, deps, req('u1', 'updated', OTHER, at(5)))).action).toBe('updated');
  expect((await applyFindingEvent(t.system, deps, req('u2', 'updated', SCANNER, at(6)))).action).toBe('updated');
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', OTHER, at(7)))).action).toBe('resolved');
  expect((await applyFindingEvent(t.system, deps, req('u3', 'updated', SCANNER, at(8)))).action).toBe('reopened');
  expect(await record()).not.toHaveProperty('origin');
  expect(t.tickets.get('1')).toMatchObject({ comments: ['u1', 'u2', 'u3'], resolved: false });

  // A legacy `resolved` record: the finding found again gets its ticket, and the record stays open to every origin.
  await store.put(key, JSON.stringify({ state: 'resolved', at: T0, eventId: 'r0' }));
  t.tickets.clear();
  expect((await applyFindingEvent(t.system, deps, req('c2', 'created', OTHER, at(30)))).action).toBe('created');
  expect(await record()).not.toHaveProperty('origin');
  expect((await applyFindingEvent(t.system, deps, req('u4', 'updated', SCANNER, at(31)))).action).toBe('updated');

  // A legacy `creating` record whose lease ran out: adopted or created, still without an origin.
  await store.put(key, JSON.stringify({ state: 'creating', until: 0, eventId: 'c0' }));
  expect((await applyFindingEvent(t.system, deps, req('u5', 'updated', OTHER, at(40)))).action).toBe('updated');
  expect(await record()).toMatchObject({ state: 'created', applied: ['c0', 'u5'] });
  expect(await record()).not.toHaveProperty('origin');
  expect(warnings()).toEqual([]);
});

test('an event without an origin acts only on records without one; a record it opens is open to every origin', async () => {
  const { deps, req, warnings } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', SCANNER, at(0)));
  expect(await applyFindingEvent(t.system, deps, req('x1', 'resolved', undefined, at(5)))).toMatchObject({ action: 'skipped', reason: FOREIGN });
  expect(t.tickets.get('1')).toMatchObject({ resolved: false });
  expect(warnings().at(-1)!.fields).toEqual({ destination: 'jira', tenant: 't', origin: null, ticketOrigin: SCANNER, ticket: 'SEC-1' });

  const other = setup();
  const t2 = fakeTarget();
  expect((await applyFindingEvent(t2.system, other.deps, other.req('c1', 'created', undefined, at(0)))).action).toBe('created');
  expect(await other.record()).not.toHaveProperty('origin');
  expect((await applyFindingEvent(t2.system, other.deps, other.req('u1', 'updated', SCANNER, at(1)))).action).toBe('updated');
  expect((await applyFindingEvent(t2.system, other.deps, other.req('r1', 'resolved', undefined, at(2)))).action).toBe('resolved');
  expect(await other.record()).not.toHaveProperty('origin');
});

test('without metrics in the deps the warning is still logged', async () => {
  const { deps, req, warnings } = setup();
  const t = fakeTarget();
  const { metrics: _unused, ...bare } = deps;
  await applyFindingEvent(t.system, bare, req('c1', 'created', SCANNER, at(0)));
  expect((await applyFindingEvent(t.system, bare, req('x1', 'updated', OTHER, at(1)))).action).toBe('skipped');
  expect(warnings()).toHaveLength(1);
});
