import { redeliveryDelayMs } from '../contracts';
import type { CloudEvent } from '../events/cloudevent';
import { memoryStore } from '../store/memory';
import { ABORT_MARGIN_MS } from './ticket-abort';
import { applyFindingEvent, ticketRecordKey, type TicketRequest } from './tickets';
import { fakeTicketTarget, manualLeaseTimer } from './tickets.testkit';

/**
 * A call on the target still under way when its lease runs out (ticket-abort.ts) is aborted just
 * before, so no attempt acts beside another: the event fails retryably, the lease is left lapsed
 * (or, for a create, runs out), and the next event of the finding goes on at once.
 */

const T0 = Date.parse('2030-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const LEASE_MS = 120_000;

function setup() {
  let now = T0 + 86_400_000;
  const clock = { now: () => now };
  const store = memoryStore(clock);
  const timers = manualLeaseTimer();
  const deps = { store, clock, logger: quiet, leaseTimer: timers.timer };
  const t = fakeTicketTarget();
  const req = (id: string, transition: 'created' | 'updated' | 'resolved', time: string): TicketRequest => ({
    destination: 'jira', tenant: 't', uid: 'f-1', transition,
    event: { specversion: '1.0', id, source: 'test', type: `secorch.finding.${transition}`, subject: 'f-1', time, origin: 'webhook:gh' } as CloudEvent,
  });
  const apply = (r: TicketRequest) => applyFindingEvent(t.system, deps, r);
  const record = async () => JSON.parse((await store.get(ticketRecordKey({ destination: 'jira', tenant: 't', uid: 'f-1' })))!.value);
  return { t, timers, req, apply, record, advance: (ms: number) => (now += ms), now: () => now };
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

test('a resolve still waiting for the target when its lease runs out is aborted; the event fails retryably, the lease lapses, the next event acts at once', async () => {
  const { t, timers, req, apply, record, advance, now } = setup();
  await apply(req('c1', 'created', at(0)));
  expect(timers.running()).toEqual([]); // the create's timer was disarmed when it ended
  const stalled = t.stall('resolve r1');
  const resolving = settle(apply(req('r1', 'resolved', at(60))));
  await stalled.acted;
  const { until } = (await record()).lease;
  expect(until).toBe(now() + LEASE_MS);
  // Armed from the injected clock: the lease's end less the margin.
  expect(timers.running().map((x) => x.ms)).toEqual([until - now() - ABORT_MARGIN_MS]);
  advance(LEASE_MS - ABORT_MARGIN_MS);
  timers.fire();
  const failed = await resolving;
  expect(t.signals.get('resolve r1')?.aborted).toBe(true);
  expect(failed).toMatchObject({ ok: false, error: { code: 'ticket_lease_expired', retryable: true, status: 503, message: expect.stringContaining('lease on the ticket of finding f-1 ran out') } });
  expect(redeliveryDelayMs((failed as { error: unknown }).error)).toBe(ABORT_MARGIN_MS);
  // Lapsed at once, as after any failed call: the record's status is not trusted.
  expect((await record()).lease).toEqual({ until: 0, eventId: 'r1', effect: 'resolved', at: Date.parse(at(60)) });
  expect(now()).toBeLessThan(until);
  // Another event of the finding, while the lapsed lease would still have run: it acts, and sets the status itself.
  expect(await apply(req('u1', 'updated', at(90)))).toEqual({ action: 'reopened', ref: { id: '1', key: 'SEC-1' } });
  expect(t.tickets.get('1')).toMatchObject({ resolved: false, comments: ['u1'] });
  expect(await record()).toMatchObject({ resolved: false, applied: ['c1', 'u1'] });
  expect((await record()).lease).toBeUndefined();
  // The aborted event, delivered again, is judged against that record.
  expect(await apply(req('r1', 'resolved', at(60)))).toMatchObject({ action: 'skipped' });
  expect(t.tickets.get('1')!.resolved).toBe(false);
  expect(timers.running()).toEqual([]);
});

test('a reopen and comment under one lease share its signal; a call that ends in time disarms the timer', async () => {
  const { t, timers, req, apply } = setup();
  await apply(req('c1', 'created', at(0)));
  await apply(req('r1', 'resolved', at(60)));
  expect(await apply(req('u1', 'updated', at(90)))).toMatchObject({ action: 'reopened' });
  expect(t.signals.get('reopen u1')).toBeInstanceOf(AbortSignal);
  expect(t.signals.get('update u1')).toBe(t.signals.get('reopen u1'));
  expect(t.signals.get('update u1')!.aborted).toBe(false);
  expect(timers.armed.map((x) => x.ms)).toEqual([LEASE_MS - ABORT_MARGIN_MS, LEASE_MS - ABORT_MARGIN_MS, LEASE_MS - ABORT_MARGIN_MS]);
  expect(timers.running()).toEqual([]);
});

test('a create still under way when its creating lease runs out is aborted; the next attempt, once the lease is over, adopts what it made', async () => {
  const { t, timers, req, apply, record, advance } = setup();
  const stalled = t.stall('create c1');
  const creating = settle(apply(req('c1', 'created', at(0))));
  await stalled.acted;
  expect(timers.running().map((x) => x.ms)).toEqual([LEASE_MS - ABORT_MARGIN_MS]);
  advance(LEASE_MS - ABORT_MARGIN_MS);
  timers.fire();
  const failed = await creating;
  expect(failed).toMatchObject({ ok: false, error: { code: 'ticket_lease_expired', retryable: true } });
  // Its answer never came: the create may have been applied, and keeps its lease to its end.
  expect(await record()).toMatchObject({ state: 'creating', eventId: 'c1' });
  await expect(apply(req('u1', 'updated', at(5)))).rejects.toMatchObject({ code: 'ticket_in_progress' });
  advance(redeliveryDelayMs((failed as { error: unknown }).error)!);
  expect(await apply(req('u1', 'updated', at(5)))).toEqual({ action: 'updated', ref: { id: '1', key: 'SEC-1' } });
  expect(t.calls).toEqual(['find f-1', 'create c1', 'find f-1', 'update u1']);
  expect(t.tickets.size).toBe(1);
});
