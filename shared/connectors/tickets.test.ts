import { redeliveryDelayMs } from '../contracts';
import type { CloudEvent } from '../events/cloudevent';
import { memoryStore } from '../store/memory';
import type { StateStore } from '../ports/store';
import { ConnectorError } from './errors';
import { applyFindingEvent, type TicketRef, type TicketSystem } from './tickets';

/** A target that keeps its tickets in memory, searchable by uid (what a label or correlation_id gives). */
function fakeTarget() {
  const tickets = new Map<string, TicketRef & { uid: string; comments: string[]; resolved: boolean }>();
  const calls: string[] = [];
  let made = 0;
  const system: TicketSystem = {
    async findByUid(uid) {
      calls.push(`find ${uid}`);
      const t = [...tickets.values()].find((x) => x.uid === uid);
      return t ? { id: t.id, key: t.key } : undefined;
    },
    async create(uid, event) {
      calls.push(`create ${event.id}`);
      const id = String(++made);
      tickets.set(id, { id, key: `SEC-${id}`, uid, comments: [], resolved: false });
      return { id, key: `SEC-${id}` };
    },
    async update(ref, event) {
      calls.push(`update ${event.id}`);
      tickets.get(ref.id)!.comments.push(event.id);
    },
    async resolve(ref, event) {
      calls.push(`resolve ${event.id}`);
      tickets.get(ref.id)!.resolved = true;
    },
  };
  return { system, tickets, calls };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const ev = (id: string, type = 'secorch.finding.created'): CloudEvent => ({ specversion: '1.0', id, source: 'test', type, subject: 'f-1' });

function setup() {
  let now = 1_000_000;
  const clock = { now: () => now };
  const store = memoryStore(clock);
  const deps = { store, clock, logger: quiet };
  const req = (id: string, transition: 'created' | 'updated' | 'resolved' = 'created') =>
    ({ destination: 'jira', tenant: 't', uid: 'f-1', transition, event: ev(id, `secorch.finding.${transition}`) });
  return { deps, req, advance: (ms: number) => (now += ms), store };
}

test('the same finding event three times makes one ticket', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  const outcomes = [];
  for (let i = 0; i < 3; i++) outcomes.push((await applyFindingEvent(t.system, deps, req('e1'))).action);
  expect(outcomes).toEqual(['created', 'skipped', 'skipped']);
  expect(t.tickets.size).toBe(1);
});

test('a crash between the create call and the record: the retry finds the ticket by uid instead of creating another', async () => {
  const { deps, req, advance, store } = setup();
  const t = fakeTarget();
  // The process dies right after the vendor answered the create: the `created` record is never written.
  const dying: StateStore = { ...store, put: async (k, v, o) => (JSON.parse(v).state === 'created' ? Promise.reject(new Error('killed')) : store.put(k, v, o)) };
  await expect(applyFindingEvent(t.system, { ...deps, store: dying }, req('e1'))).rejects.toThrow('killed');
  expect(t.tickets.size).toBe(1);
  // Redelivered while the attempt's lease runs: retried later, nothing created.
  await expect(applyFindingEvent(t.system, deps, req('e1'))).rejects.toMatchObject({ code: 'ticket_in_progress', retryable: true });
  advance(121_000);
  expect((await applyFindingEvent(t.system, deps, req('e1'))).action).toBe('adopted');
  expect((await applyFindingEvent(t.system, deps, req('e1'))).action).toBe('skipped');
  expect(t.tickets.size).toBe(1);
  expect(t.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
});

test('later events update, a fixed finding resolves the same ticket once, redeliveries change nothing', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  await applyFindingEvent(t.system, deps, req('e1'));
  expect((await applyFindingEvent(t.system, deps, req('e2', 'updated'))).action).toBe('updated');
  expect((await applyFindingEvent(t.system, deps, req('e3', 'resolved'))).action).toBe('resolved');
  expect((await applyFindingEvent(t.system, deps, req('e3', 'resolved'))).action).toBe('skipped');
  expect((await applyFindingEvent(t.system, deps, req('e2', 'updated'))).action).toBe('skipped');
  const ticket = [...t.tickets.values()][0]!;
  expect(ticket).toMatchObject({ comments: ['e2'], resolved: true });
  expect(t.tickets.size).toBe(1);
});

test('a finding resolved before any ticket was made creates none; two attempts racing create one', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  expect((await applyFindingEvent(t.system, deps, req('e9', 'resolved'))).action).toBe('skipped');
  expect(t.tickets.size).toBe(0);
  const results = await Promise.allSettled([applyFindingEvent(t.system, deps, req('e1')), applyFindingEvent(t.system, deps, req('e1'))]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'ticket_in_progress' } });
  expect(t.tickets.size).toBe(1);
});

const refusal = (status: number) => new ConnectorError(status === 404 ? 'connector_not_found' : 'connector_rejected', `HTTP ${status}`, { connector: 'jira', vendorStatus: status });

test('a create the target refused (4xx) gives up its claim: the corrected event creates at once, after a search', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  const create = t.system.create;
  t.system.create = async () => Promise.reject(refusal(400));
  await expect(applyFindingEvent(t.system, deps, req('e1'))).rejects.toMatchObject({ code: 'connector_rejected' });
  t.system.create = create;
  expect((await applyFindingEvent(t.system, deps, req('e2'))).action).toBe('created');
  expect(t.calls).toEqual(['find f-1', 'find f-1', 'create e2']);
});

test('a create whose outcome is unknown (5xx, timeout) keeps its claim: no second ticket before the lease ends', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  t.system.create = async () => Promise.reject(new ConnectorError('connector_timeout', 'timed out', { connector: 'jira', outcomeUnknown: true }));
  await expect(applyFindingEvent(t.system, deps, req('e1'))).rejects.toMatchObject({ code: 'connector_timeout' });
  await expect(applyFindingEvent(t.system, deps, req('e2'))).rejects.toMatchObject({ code: 'ticket_in_progress', retryable: true });
});

test('a ticket deleted in the target: the open finding gets a new one, later events follow it; a resolve needs none', async () => {
  const { deps, req } = setup();
  const t = fakeTarget();
  const update = t.system.update;
  const resolve = t.system.resolve;
  t.system.update = async (ref, event) => (t.tickets.has(ref.id) ? update(ref, event) : Promise.reject(refusal(404)));
  t.system.resolve = async (ref, event) => (t.tickets.has(ref.id) ? resolve(ref, event) : Promise.reject(refusal(404)));
  await applyFindingEvent(t.system, deps, req('e1'));
  t.tickets.delete('1');
  expect(await applyFindingEvent(t.system, deps, req('e2', 'updated'))).toEqual({ action: 'created', ref: { id: '2', key: 'SEC-2' } });
  expect((await applyFindingEvent(t.system, deps, req('e2', 'updated'))).action).toBe('skipped');
  expect((await applyFindingEvent(t.system, deps, req('e3', 'updated'))).action).toBe('updated');
  expect(t.tickets.get('2')).toMatchObject({ comments: ['e3'] });
  t.tickets.delete('2');
  expect(await applyFindingEvent(t.system, deps, req('e4', 'resolved'))).toMatchObject({ action: 'skipped', reason: 'the ticket is gone from the target' });
  expect((await applyFindingEvent(t.system, deps, req('e4', 'resolved'))).action).toBe('skipped');
  expect(t.tickets.size).toBe(0);
  // Any other failure of an update is not taken for a gone ticket.
  await applyFindingEvent(t.system, deps, req('e5', 'updated'));
  t.system.update = async () => Promise.reject(refusal(400));
  await expect(applyFindingEvent(t.system, deps, req('e6', 'updated'))).rejects.toMatchObject({ code: 'connector_rejected' });
  expect(t.calls.filter((c) => c.startsWith('create'))).toEqual(['create e1', 'create e2', 'create e5']);
});

test('an event that finds a create under way is delivered again when the create\'s lease runs out, not at once', async () => {
  const { deps, req, store, advance } = setup();
  const t = fakeTarget();
  // A create still waiting out a vendor's 429s, its lease 90 s from running out.
  await store.put('tkt:jira:t:f-1', JSON.stringify({ state: 'creating', until: deps.clock.now() + 90_000, eventId: 'e1' }));
  const err = await applyFindingEvent(t.system, deps, req('e2', 'updated')).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ticket_in_progress', retryable: true, extra: { retryAfterMs: 90_000 } });
  expect(redeliveryDelayMs(err)).toBe(90_000);
  // Within a second and an hour (the longest lease) whatever the record says.
  advance(89_900);
  expect(redeliveryDelayMs(await applyFindingEvent(t.system, deps, req('e2', 'updated')).catch((e: unknown) => e))).toBe(1000);
  await store.put('tkt:jira:t:f-1', JSON.stringify({ state: 'creating', until: deps.clock.now() + 86_400_000, eventId: 'e1' }));
  expect(await applyFindingEvent(t.system, deps, req('e2', 'updated')).catch((e: unknown) => e)).toMatchObject({ extra: { retryAfterMs: 3_600_000 } });
  expect(t.calls).toEqual([]);
});

test('an attempt that lost its conditional write to another is delivered again after a short wait', async () => {
  const { deps, req, store } = setup();
  const t = fakeTarget();
  // Another attempt writes the record between this one's read and its write.
  const racing: StateStore = { ...store, put: async (k, v, o) => (o?.ifAbsent || o?.ifVersion ? false : store.put(k, v, o)) };
  const err = await applyFindingEvent(t.system, { ...deps, store: racing }, req('e1')).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ticket_in_progress', retryable: true });
  expect(redeliveryDelayMs(err)).toBe(1000);
  expect(t.calls).toEqual(['find f-1']);
});
