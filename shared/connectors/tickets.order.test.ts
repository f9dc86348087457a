import type { CloudEvent } from '../events/cloudevent';
import { memoryStore } from '../store/memory';
import { ConnectorError } from './errors';
import { applyFindingEvent, findingEventTime, ticketRecordKey } from './tickets';
import { fakeTicketTarget as fakeTarget } from './tickets.testkit';

/**
 * Finding events out of order (../tickets.ts): a created or updated event held back past the
 * finding's resolve makes no ticket; one dated after the resolve (the finding open again) does.
 * The target is the in-memory fake of tickets.testkit.ts; the destinations
 * against their vendor fakes are in tickets.order.vendors.test.ts.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2030-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function setup(config?: { deliveries?: { retentionDays?: number } }) {
  let now = T0 + DAY;
  const clock = { now: () => now };
  const store = memoryStore(clock);
  const logs: { msg: string; fields: Record<string, unknown> }[] = [];
  const logger = { debug() {}, info: (msg: string, fields = {}) => void logs.push({ msg, fields }), warn() {}, error() {}, child: () => logger };
  const deps = { store, clock, logger, ...(config ? { config } : {}) };
  const event = (id: string, transition: 'created' | 'updated' | 'resolved', time: string | undefined, data?: unknown): CloudEvent =>
    ({ specversion: '1.0', id, source: 'test', type: `secorch.finding.${transition}`, subject: 'f-1', ...(time === undefined ? {} : { time }), ...(data === undefined ? {} : { data }) });
  const req = (id: string, transition: 'created' | 'updated' | 'resolved', time: string | undefined, data?: unknown) =>
    ({ destination: 'jira', tenant: 't', uid: 'f-1', transition, event: event(id, transition, time, data) });
  const key = ticketRecordKey({ destination: 'jira', tenant: 't', uid: 'f-1' });
  return { deps, req, store, key, logs, advance: (ms: number) => (now += ms) };
}

test('a finding uid of any length has one ticket record: a uid too long for a store key stands as its digest, a short one as written', async () => {
  const long = `gh:acme/api:${'x'.repeat(2000)}`;
  const key = ticketRecordKey({ destination: 'jira', tenant: 't', uid: long });
  expect(Buffer.byteLength(key)).toBeLessThanOrEqual(512);
  expect(key).toBe(ticketRecordKey({ destination: 'jira', tenant: 't', uid: long }));
  expect(key).not.toBe(ticketRecordKey({ destination: 'jira', tenant: 't', uid: `${long}y` }));
  expect(ticketRecordKey({ destination: 'jira', tenant: 't', uid: 'f-1' })).toBe('tkt:jira:t:f-1');
});

test('a created event held back past the resolve makes no ticket; an event dated after the resolve (found again) does', async () => {
  const { deps, req, logs } = setup();
  const t = fakeTarget();
  expect(await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(60)))).toEqual({ action: 'skipped', reason: 'resolved before any ticket was made' });
  // The created event, held back by a 429 and redelivered; an update of the open finding; one dated
  // the same second as the resolve: all from the finding's life before it was resolved.
  for (const [id, transition, time] of [['c1', 'created', at(0)], ['u1', 'updated', at(30)], ['c2', 'created', at(60)]] as const) {
    expect(await applyFindingEvent(t.system, deps, req(id, transition, time))).toEqual({ action: 'skipped', reason: 'older than the finding\'s resolve' });
  }
  expect(t.tickets.size).toBe(0);
  expect(logs.filter((l) => l.msg.startsWith('finding event older than'))).toHaveLength(3);
  expect(logs.at(-1)!.fields).toMatchObject({ eventTime: at(60), resolvedAt: at(60) });
  // The resolve redelivered: nothing to search for, nothing made.
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(60)))).action).toBe('skipped');
  expect(t.calls).toEqual(['find f-1']);

  // The scanner finds it again, a minute after the resolve.
  expect(await applyFindingEvent(t.system, deps, req('c3', 'created', at(61)))).toEqual({ action: 'created', ref: { id: '1', key: 'SEC-1' } });
  expect(t.calls).toEqual(['find f-1', 'find f-1', 'create c3']);
  expect((await applyFindingEvent(t.system, deps, req('r2', 'resolved', at(90)))).action).toBe('resolved');
  expect([...t.tickets.values()]).toMatchObject([{ resolved: true }]);
});

test('the record holds back older events only: the finding found again three weeks on gets its ticket while it is kept', async () => {
  const { deps, req, store, key, advance } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(0)));
  advance(20 * DAY);
  expect((await applyFindingEvent(t.system, deps, req('c0', 'created', at(-5)))).action).toBe('skipped');
  advance(DAY);
  expect(JSON.parse((await store.get(key))!.value)).toMatchObject({ state: 'resolved' });
  expect((await applyFindingEvent(t.system, deps, req('c1', 'created', at(21 * 24 * 60)))).action).toBe('created');
});

test('the record of a resolve lasts the queue\'s 14 days plus the dead-letter retention; a later resolve moves it on', async () => {
  const { deps, req, store, key, advance } = setup({ deliveries: { retentionDays: 60 } });
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(0)));
  const held = await store.get(key);
  expect(JSON.parse(held!.value)).toEqual({ state: 'resolved', at: T0, eventId: 'r1' });
  expect(held!.expiresAt).toBe(T0 + DAY + 74 * DAY);
  // A dead letter of the created event replayed 70 days on is still known as older.
  advance(70 * DAY);
  expect((await applyFindingEvent(t.system, deps, req('c1', 'created', at(-1)))).action).toBe('skipped');
  // The same finding resolved again in a later report: the time and the expiry move on, unsearched.
  await applyFindingEvent(t.system, deps, req('r2', 'resolved', at(60)));
  const moved = await store.get(key);
  expect(JSON.parse(moved!.value)).toMatchObject({ state: 'resolved', at: T0 + 3_600_000 });
  expect(moved!.expiresAt).toBe(T0 + 71 * DAY + 74 * DAY);
  expect((await applyFindingEvent(t.system, deps, req('u1', 'updated', at(59)))).action).toBe('skipped');
  expect(t.calls).toEqual(['find f-1']);
  expect(t.tickets.size).toBe(0);
});

test('the dead-letter retention defaults to 30 days', async () => {
  const { deps, req, store, key } = setup();
  await applyFindingEvent(fakeTarget().system, deps, req('r1', 'resolved', at(0)));
  expect((await store.get(key))!.expiresAt).toBe(T0 + DAY + 44 * DAY);
});

test('without a CloudEvent time the OCSF finding\'s time is compared; an event with neither is handled as before', async () => {
  expect(findingEventTime({ specversion: '1.0', id: 'x', source: 's', type: 't', data: { time: T0 } })).toBe(T0);
  expect(findingEventTime({ specversion: '1.0', id: 'x', source: 's', type: 't', time: at(1), data: { time: T0 } })).toBe(T0 + 60_000);
  expect(findingEventTime({ specversion: '1.0', id: 'x', source: 's', type: 't', data: { time: 'yesterday' } })).toBeUndefined();
  expect(findingEventTime({ specversion: '1.0', id: 'x', source: 's', type: 't', data: { time: 1e300 } })).toBeUndefined();
  expect(findingEventTime({ specversion: '1.0', id: 'x', source: 's', type: 't', data: null })).toBeUndefined();

  const { deps, req } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', undefined, { time: T0 }));
  expect((await applyFindingEvent(t.system, deps, req('c1', 'created', undefined, { time: T0 - 1 }))).action).toBe('skipped');
  // A created event without any time cannot be placed before the resolve: it makes its ticket, as it always did.
  expect((await applyFindingEvent(t.system, deps, req('c2', 'created', undefined))).action).toBe('created');

  // A resolve without any time keeps nothing to compare with: later events act as they always did.
  const other = setup();
  const t2 = fakeTarget();
  expect((await applyFindingEvent(t2.system, other.deps, other.req('r1', 'resolved', undefined))).action).toBe('skipped');
  expect(await other.store.get(other.key)).toBeUndefined();
  expect((await applyFindingEvent(t2.system, other.deps, other.req('c1', 'created', at(-60)))).action).toBe('created');
});

test('a resolve that races a create is retried, and then resolves the ticket that create made', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  const find = t.system.findByUid;
  let raced = false;
  // While the resolve searches the target, the created event (delivered at the same time to another worker) makes its ticket.
  t.system.findByUid = async (uid) => {
    const found = await find(uid);
    if (!raced) {
      raced = true;
      expect((await applyFindingEvent(t.system, deps, req('c1', 'created', at(0)))).action).toBe('created');
    }
    return found;
  };
  await expect(applyFindingEvent(t.system, deps, req('r1', 'resolved', at(60)))).rejects.toMatchObject({ code: 'ticket_in_progress', retryable: true });
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(60)))).action).toBe('resolved');
  expect([...t.tickets.values()]).toMatchObject([{ key: 'SEC-1', resolved: true }]);
});

test('a resolved ticket: an older event neither comments on it nor, when it was deleted, makes a new one; a newer event does', async () => {
  const { deps, req, logs } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(0)));
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(60)))).action).toBe('resolved');
  expect(await applyFindingEvent(t.system, deps, req('u1', 'updated', at(30)))).toEqual({ action: 'skipped', reason: 'older than the finding\'s resolve', ref: { id: '1', key: 'SEC-1' } });
  expect(logs.at(-1)).toMatchObject({ msg: expect.stringMatching(/^finding event older than/), fields: { transition: 'updated' } });
  t.tickets.delete('1');
  expect((await applyFindingEvent(t.system, deps, req('u2', 'updated', at(45)))).action).toBe('skipped');
  expect(t.tickets.size).toBe(0);
  // Resolved again in a later scan: an event between the two resolves is older too.
  expect((await applyFindingEvent(t.system, deps, req('r2', 'resolved', at(120)))).action).toBe('skipped');
  expect((await applyFindingEvent(t.system, deps, req('u3', 'updated', at(90)))).action).toBe('skipped');
  expect(t.calls.filter((c) => !c.startsWith('find'))).toEqual(['create c1', 'resolve r1']);
  // Found again after the resolve: the open finding gets a ticket in place of the deleted one.
  expect(await applyFindingEvent(t.system, deps, req('u4', 'updated', at(121)))).toEqual({ action: 'created', ref: { id: '2', key: 'SEC-2' } });
});

test('records written before resolve times were kept act as they did: a resolved ticket takes a later comment', async () => {
  const { deps, req, store, key } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(0)));
  await store.put(key, JSON.stringify({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1', 'r1'], resolved: true }));
  expect((await applyFindingEvent(t.system, deps, req('u1', 'updated', at(30)))).action).toBe('updated');
  expect(t.tickets.get('1')).toMatchObject({ comments: ['u1'] });
  // An old record's resolved ticket resolved again by a timed event starts keeping the time.
  await store.put(key, JSON.stringify({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1', 'r1'], resolved: true }));
  expect((await applyFindingEvent(t.system, deps, req('r2', 'resolved', at(60)))).action).toBe('skipped');
  expect(JSON.parse((await store.get(key))!.value)).toMatchObject({ resolved: true, resolvedAt: T0 + 3_600_000 });
  expect((await applyFindingEvent(t.system, deps, req('u2', 'updated', at(40)))).action).toBe('skipped');
});

test('a resolve held back past the finding\'s reopening does not close the ticket of the open finding', async () => {
  const { deps, req, logs } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(0)));
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(10)))).action).toBe('resolved');
  // Found again at minute 30: the ticket is reopened and the event applied.
  expect(await applyFindingEvent(t.system, deps, req('u1', 'updated', at(30)))).toEqual({ action: 'reopened', ref: { id: '1', key: 'SEC-1' } });
  expect(t.tickets.get('1')).toMatchObject({ resolved: false, comments: ['u1'] });
  // A resolve of minute 20, held back by a 429, arrives now: older than the finding found open at 30.
  expect(await applyFindingEvent(t.system, deps, req('r2', 'resolved', at(20)))).toEqual({ action: 'skipped', reason: 'older than the finding\'s latest open event', ref: { id: '1', key: 'SEC-1' } });
  expect(t.tickets.get('1')).toMatchObject({ resolved: false });
  expect(logs.at(-1)).toMatchObject({ msg: expect.stringMatching(/^resolve older than the finding's latest open event/), fields: { eventTime: at(20), openedAt: at(30) } });
  // A resolve dated with the open event wins (a finding is opened before it is resolved).
  expect((await applyFindingEvent(t.system, deps, req('r3', 'resolved', at(30)))).action).toBe('resolved');
  expect(t.tickets.get('1')).toMatchObject({ resolved: true });
  expect(t.calls.filter((c) => !c.startsWith('find'))).toEqual(['create c1', 'resolve r1', 'reopen u1', 'update u1', 'resolve r3']);
});

test('a resolve older than an update of the still open finding is acknowledged; the created event\'s time counts too', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(10)));
  expect((await applyFindingEvent(t.system, deps, req('r0', 'resolved', at(5)))).action).toBe('skipped');
  await applyFindingEvent(t.system, deps, req('u1', 'updated', at(40)));
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(20)))).action).toBe('skipped');
  // An update older than the latest one does not move the time back.
  await applyFindingEvent(t.system, deps, req('u2', 'updated', at(15)));
  expect((await applyFindingEvent(t.system, deps, req('r2', 'resolved', at(30)))).action).toBe('skipped');
  expect(t.tickets.get('1')).toMatchObject({ resolved: false });
  expect((await applyFindingEvent(t.system, deps, req('r3', 'resolved', at(41)))).action).toBe('resolved');
});

test('resolves without a time, and records written before open times were kept, resolve as they did', async () => {
  const { deps, req, store, key } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(30)));
  expect((await applyFindingEvent(t.system, deps, req('r1', 'resolved', undefined))).action).toBe('resolved');
  await store.put(key, JSON.stringify({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1'], resolved: false }));
  t.tickets.get('1')!.resolved = false;
  expect((await applyFindingEvent(t.system, deps, req('r2', 'resolved', at(0)))).action).toBe('resolved');
  expect(JSON.parse((await store.get(key))!.value)).toEqual({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1', 'r2'], resolved: true, resolvedAt: T0 });
});

test('a resolved ticket is reopened only by an event dated after its resolve; untimed events and old records only update it', async () => {
  const { deps, req, store, key } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(0)));
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(10)));
  expect((await applyFindingEvent(t.system, deps, req('u0', 'updated', at(10)))).action).toBe('skipped');
  // Without a time the event cannot be placed after the resolve: a comment, as before.
  expect((await applyFindingEvent(t.system, deps, req('u1', 'updated', undefined))).action).toBe('updated');
  expect(t.tickets.get('1')).toMatchObject({ resolved: true, comments: ['u1'] });
  // A record from before resolve times were kept: a comment, as before.
  await store.put(key, JSON.stringify({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1'], resolved: true }));
  expect((await applyFindingEvent(t.system, deps, req('u2', 'updated', at(20)))).action).toBe('updated');
  expect(t.calls.filter((c) => c.startsWith('reopen'))).toEqual([]);
  // A record written now keeps its times, and older code's fields are kept as they were.
  await store.put(key, JSON.stringify({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1'], resolved: true, resolvedAt: T0 + 600_000 }));
  expect((await applyFindingEvent(t.system, deps, req('u3', 'updated', at(20)))).action).toBe('reopened');
  expect(JSON.parse((await store.get(key))!.value)).toEqual({ state: 'created', ref: { id: '1', key: 'SEC-1' }, applied: ['c1', 'u3'], resolved: false, resolvedAt: T0 + 600_000, openedAt: T0 + 1_200_000 });
});

test('a ticket closed for good is replaced for the reopened finding, naming the old one; one the target cannot reopen keeps its status and is updated', async () => {
  const { deps, req } = setup();
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  const logger = { ...deps.logger, warn: (msg: string, fields = {}) => void warnings.push({ msg, fields }), child: () => logger };
  const d = { ...deps, logger };
  const t = fakeTarget();
  const replaced: unknown[] = [];
  const create = t.system.create;
  t.system.create = async (uid, event, opts) => (replaced.push(opts?.replaces), create(uid, event, opts));
  await applyFindingEvent(t.system, d, req('c1', 'created', at(0)));
  await applyFindingEvent(t.system, d, req('r1', 'resolved', at(10)));
  t.system.reopen = async (ref, event) => (t.calls.push(`reopen ${event.id}`), { kind: 'final', reason: 'SEC-1 is Closed' });
  expect(await applyFindingEvent(t.system, d, req('u1', 'updated', at(20)))).toEqual({ action: 'created', ref: { id: '2', key: 'SEC-2' } });
  expect(replaced).toEqual([undefined, { id: '1', key: 'SEC-1' }]);
  expect(warnings).toEqual([{ msg: 'ticket closed for good in the target; created a new one for the reopened finding', fields: { ticket: 'SEC-2', replaced: 'SEC-1', reason: 'SEC-1 is Closed' } }]);
  // The new ticket is the finding's now: later events follow it, an older resolve leaves it open.
  expect((await applyFindingEvent(t.system, d, req('r0', 'resolved', at(15)))).action).toBe('skipped');
  expect((await applyFindingEvent(t.system, d, req('r2', 'resolved', at(30)))).action).toBe('resolved');
  expect(t.tickets.get('2')).toMatchObject({ resolved: true });

  t.system.reopen = async (ref, event) => (t.calls.push(`reopen ${event.id}`), { kind: 'stays', reason: 'SEC-2 offers no transition out of Done' });
  expect(await applyFindingEvent(t.system, d, req('u2', 'updated', at(40)))).toEqual({ action: 'updated', ref: { id: '2', key: 'SEC-2' } });
  expect(t.tickets.get('2')).toMatchObject({ comments: ['u2'] });
  expect(warnings.at(-1)).toEqual({ msg: 'ticket of the reopened finding left in its closed status; updated', fields: { ticket: 'SEC-2', reason: 'SEC-2 offers no transition out of Done' } });
  expect(t.calls.filter((c) => !c.startsWith('find'))).toEqual(['create c1', 'resolve r1', 'reopen u1', 'create u1', 'resolve r2', 'reopen u2', 'update u2']);
});

test('a ticket deleted before its reopening: the open finding gets a new one', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(0)));
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(10)));
  t.tickets.delete('1');
  expect(await applyFindingEvent(t.system, deps, req('u1', 'updated', at(20)))).toEqual({ action: 'created', ref: { id: '2', key: 'SEC-2' } });
});

test('a replacement the target refused is made by the next attempt, which does not take the closed ticket found by uid for it', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('c1', 'created', at(0)));
  await applyFindingEvent(t.system, deps, req('r1', 'resolved', at(10)));
  t.system.reopen = async () => ({ kind: 'final', reason: 'SEC-1 is Closed' });
  const create = t.system.create;
  const replaced: unknown[] = [];
  t.system.create = async () => Promise.reject(new ConnectorError('connector_rejected', 'HTTP 400', { connector: 'jira', vendorStatus: 400 }));
  await expect(applyFindingEvent(t.system, deps, req('u1', 'updated', at(20)))).rejects.toMatchObject({ code: 'connector_rejected' });
  t.system.create = async (uid, event, opts) => (replaced.push(opts?.replaces), create(uid, event, opts));
  // The closed SEC-1 still carries the finding's uid, and the search finds it.
  expect(await applyFindingEvent(t.system, deps, req('u1', 'updated', at(20)))).toEqual({ action: 'created', ref: { id: '2', key: 'SEC-2' } });
  expect(replaced).toEqual([{ id: '1', key: 'SEC-1' }]);
  expect(t.calls.filter((c) => c.startsWith('update'))).toEqual([]);
});
