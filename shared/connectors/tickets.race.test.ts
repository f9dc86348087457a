import { redeliveryDelayMs } from '../contracts';
import type { CloudEvent } from '../events/cloudevent';
import { memoryStore } from '../store/memory';
import { ConnectorError } from './errors';
import { applyFindingEvent, ticketRecordKey, type TicketRequest } from './tickets';
import { fakeTicketTarget } from './tickets.testkit';

/**
 * Two different events of one finding handled at once (a standard SQS queue, parallel consumers),
 * and attempts that die or fail after the target acted (ticket-follow.ts): the ticket ends in the
 * state of the finding's latest event, the record says the same, and no event comments twice. The
 * fake target's gates hold one attempt right after its call acted on the ticket while the other
 * event is handled.
 */

const T0 = Date.parse('2030-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

function setup() {
  let now = T0 + 86_400_000;
  const clock = { now: () => now };
  const store = memoryStore(clock);
  const deps = { store, clock, logger: quiet };
  const t = fakeTicketTarget();
  const req = (id: string, transition: 'created' | 'updated' | 'resolved', time: string): TicketRequest => ({
    destination: 'jira', tenant: 't', uid: 'f-1', transition,
    event: { specversion: '1.0', id, source: 'test', type: `secorch.finding.${transition}`, subject: 'f-1', time, origin: 'webhook:gh' } as CloudEvent,
  });
  const apply = (r: TicketRequest) => applyFindingEvent(t.system, deps, r);
  /** The queue: delivered again, after the wait the failure asks for, until it is applied. */
  const deliver = async (r: TicketRequest) => {
    for (let i = 0; ; i++) {
      try {
        return await apply(r);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ticket_in_progress' || i === 5) throw e;
        now += redeliveryDelayMs(e) ?? 0;
      }
    }
  };
  const record = async () => JSON.parse((await store.get(ticketRecordKey({ destination: 'jira', tenant: 't', uid: 'f-1' })))!.value);
  /** The ticket's state is the finding's (its latest event), the record's too, and no event commented twice. */
  const expectSettled = async (resolved: boolean) => {
    const ticket = t.tickets.get('1')!;
    expect({ ticket: ticket.resolved, record: (await record()).resolved === true }).toEqual({ ticket: resolved, record: resolved });
    expect(new Set(ticket.comments).size).toBe(ticket.comments.length);
    expect((await record()).lease).toBeUndefined();
    expect(t.tickets.size).toBe(1);
  };
  return { t, deps, req, apply, deliver, record, expectSettled, advance: (ms: number) => (now += ms) };
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

test('a resolve (t2) and a later update (t3) at once, the resolve acting first: the ticket ends open, as the finding is', async () => {
  const { t, req, apply, deliver, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  const g = t.gate('resolve r1');
  const resolving = settle(apply(req('r1', 'resolved', at(60))));
  await g.acted; // the issue is Done; the resolve has not written its record yet
  const updating = await settle(apply(req('u1', 'updated', at(90))));
  g.release();
  const resolved = await resolving;
  // The queue delivers the event that failed again.
  if (!updating.ok) await deliver(req('u1', 'updated', at(90)));
  if (!resolved.ok) await deliver(req('r1', 'resolved', at(60)));
  await expectSettled(false);
  expect(t.tickets.get('1')!.comments).toEqual(['u1']);
});

test('an update (t3) and an earlier resolve (t2) at once, the update acting first: the ticket stays open, one comment', async () => {
  const { t, req, apply, deliver, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  const g = t.gate('update u1');
  const updating = settle(apply(req('u1', 'updated', at(90))));
  await g.acted;
  const resolved = await settle(apply(req('r1', 'resolved', at(60))));
  g.release();
  if (!(await updating).ok) await deliver(req('u1', 'updated', at(90)));
  if (!resolved.ok) await deliver(req('r1', 'resolved', at(60)));
  await expectSettled(false);
  expect(t.tickets.get('1')!.comments).toEqual(['u1']);
});

test('a resolved ticket: an update (t20) reopening it and a later resolve (t30) at once: the ticket ends resolved, as the finding is', async () => {
  const { t, req, apply, deliver, record, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  await apply(req('r1', 'resolved', at(10)));
  const g = t.gate('reopen u1');
  const updating = settle(apply(req('u1', 'updated', at(20))));
  await g.acted; // the issue is open again; the update has neither commented nor written its record
  const resolved = await settle(apply(req('r2', 'resolved', at(30))));
  g.release();
  if (!(await updating).ok) await deliver(req('u1', 'updated', at(20)));
  if (!resolved.ok) await deliver(req('r2', 'resolved', at(30)));
  await expectSettled(true);
  expect(await record()).toMatchObject({ resolvedAt: Date.parse(at(30)) });
});

test('two updates at once: each event comments once', async () => {
  const { t, req, apply, deliver, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  const g = t.gate('update u1');
  const first = settle(apply(req('u1', 'updated', at(5))));
  await g.acted;
  const second = await settle(apply(req('u2', 'updated', at(6))));
  g.release();
  if (!(await first).ok) await deliver(req('u1', 'updated', at(5)));
  if (!second.ok) await deliver(req('u2', 'updated', at(6)));
  await expectSettled(false);
  expect([...t.tickets.get('1')!.comments].sort()).toEqual(['u1', 'u2']);
});

test('an event arriving while another acts on the ticket waits out that attempt\'s lease', async () => {
  const { t, req, apply } = setup();
  await apply(req('c1', 'created', at(0)));
  const g = t.gate('update u1');
  void apply(req('u1', 'updated', at(5)));
  await g.acted;
  const err = await apply(req('r1', 'resolved', at(6))).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ticket_in_progress', retryable: true });
  expect(redeliveryDelayMs(err)).toBe(120_000);
  g.release();
});

test('a resolve that died after closing the ticket, then a later update: the update reopens it; the resolve, delivered again, is older', async () => {
  const { t, req, apply, deliver, advance, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  const g = t.gate('resolve r1');
  void apply(req('r1', 'resolved', at(60)));
  await g.acted; // never released: the attempt died there
  advance(121_000);
  expect((await deliver(req('u1', 'updated', at(90)))).action).toBe('reopened');
  expect(await deliver(req('r1', 'resolved', at(60)))).toMatchObject({ action: 'skipped', reason: 'older than the finding\'s latest open event' });
  await expectSettled(false);
});

test('an update that died after reopening the ticket, then a later resolve: the resolve closes it, not trusting the record', async () => {
  const { t, req, apply, deliver, advance, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  await apply(req('r1', 'resolved', at(10)));
  const g = t.gate('reopen u1');
  void apply(req('u1', 'updated', at(20)));
  await g.acted;
  advance(121_000);
  expect((await deliver(req('r2', 'resolved', at(30)))).action).toBe('resolved');
  expect((await deliver(req('u1', 'updated', at(20)))).action).toBe('skipped');
  await expectSettled(true);
  expect(t.tickets.get('1')!.comments).toEqual([]);
});

test('an update that failed after reopening (its comment refused): a later resolve closes the ticket at once, without waiting', async () => {
  const { t, req, apply, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  await apply(req('r1', 'resolved', at(10)));
  const update = t.system.update;
  t.system.update = async () => Promise.reject(new ConnectorError('connector_unavailable', 'HTTP 503', { connector: 'jira', vendorStatus: 503 }));
  await expect(apply(req('u1', 'updated', at(20)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  t.system.update = update;
  expect(t.tickets.get('1')!.resolved).toBe(false);
  expect((await apply(req('r2', 'resolved', at(30)))).action).toBe('resolved');
  expect((await apply(req('u1', 'updated', at(20)))).action).toBe('skipped');
  await expectSettled(true);
});

test('an update that failed before it could reopen the resolved ticket: the next update reopens it, though the record took it for open', async () => {
  const { t, req, apply, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  await apply(req('r1', 'resolved', at(10)));
  const reopen = t.system.reopen!;
  t.system.reopen = async () => Promise.reject(new ConnectorError('connector_unavailable', 'HTTP 503', { connector: 'jira', vendorStatus: 503 }));
  await expect(apply(req('u1', 'updated', at(20)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  t.system.reopen = reopen;
  expect((await apply(req('u2', 'updated', at(30)))).action).toBe('reopened');
  expect((await apply(req('u1', 'updated', at(20)))).action).toBe('updated');
  await expectSettled(false);
  expect(t.tickets.get('1')!.comments).toEqual(['u2', 'u1']);
});

const outage = () => Promise.reject(new ConnectorError('connector_unavailable', 'HTTP 503', { connector: 'jira', vendorStatus: 503 }));

test('two updates that both failed to reopen the resolved ticket: delivered again, they reopen it; the record never took it for open', async () => {
  const { t, req, apply, record, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  await apply(req('r1', 'resolved', at(10)));
  const reopen = t.system.reopen!;
  t.system.reopen = outage;
  await expect(apply(req('u1', 'updated', at(20)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  await expect(apply(req('u2', 'updated', at(30)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  expect(await record()).toMatchObject({ resolved: true });
  t.system.reopen = reopen;
  const restored = t.calls.length;
  await apply(req('u2', 'updated', at(30)));
  await apply(req('u1', 'updated', at(20)));
  expect(t.tickets.get('1')!.resolved).toBe(false);
  expect(t.calls.slice(restored)).toContain('reopen u2');
  await expectSettled(false);
  expect(await record()).not.toHaveProperty('statusUnknown');
});

test('two resolves that both failed: delivered again, they resolve the ticket; the record never took it for resolved', async () => {
  const { t, req, apply, record, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  const resolve = t.system.resolve;
  t.system.resolve = outage;
  await expect(apply(req('r1', 'resolved', at(10)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  await expect(apply(req('r2', 'resolved', at(20)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  expect((await record()).resolved).not.toBe(true);
  t.system.resolve = resolve;
  const restored = t.calls.length;
  await apply(req('r2', 'resolved', at(20)));
  await apply(req('r1', 'resolved', at(10)));
  expect(t.tickets.get('1')!.resolved).toBe(true);
  expect(t.calls.slice(restored)).toContain('resolve r2');
  await expectSettled(true);
});

test('a reopen that failed after a resolve lapsed, then an update with no lapsed lease left: it still reopens the ticket', async () => {
  const { t, req, apply, expectSettled } = setup();
  await apply(req('c1', 'created', at(0)));
  await apply(req('r1', 'resolved', at(10)));
  const reopen = t.system.reopen!;
  t.system.reopen = outage;
  await expect(apply(req('u1', 'updated', at(20)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  await expect(apply(req('u2', 'updated', at(30)))).rejects.toMatchObject({ code: 'connector_unavailable' });
  t.system.reopen = reopen;
  // u1 first this time: judged against what u2's failed attempt wrote.
  await apply(req('u1', 'updated', at(20)));
  await apply(req('u2', 'updated', at(30)));
  expect(t.tickets.get('1')!.resolved).toBe(false);
  await expectSettled(false);
});
