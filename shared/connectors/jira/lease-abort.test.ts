import { reply } from '../../../test/support/vendor-server';
import { memoryStore } from '../../store/memory';
import { ABORT_MARGIN_MS } from '../ticket-abort';
import { applyFindingEvent, type FindingTransition, ticketRecordKey, type TicketRequest } from '../tickets';
import { manualLeaseTimer } from '../tickets.testkit';
import { type Harness, harness } from '../transport.testkit';
import type { Sleep } from '../types';
import { findingEvent, jiraConfig, jiraDeps } from './jira.testkit';
import { jiraTickets } from './tickets';
import { jiraTransport } from './transport';
import { type FakeJira, ROUTES, STATUS, startFakeJira } from './vendor.testkit';

/**
 * A Jira call made under a lease (../ticket-abort.ts) that is still waiting for its answer when
 * the lease runs out is aborted on the wire, so the next event of the finding acts alone.
 */
let h: Harness;
let jira: FakeJira;

beforeEach(async () => {
  h = harness();
  jira = await startFakeJira({ clock: h.clock });
});
afterEach(async () => {
  await h.close();
  await jira.close();
});

const T0 = Date.parse('2029-12-31T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function setup(sleep: Sleep = h.sleep) {
  const store = memoryStore(h.clock);
  const timers = manualLeaseTimer();
  const deps = { ...jiraDeps(h, store), leaseTimer: timers.timer };
  const config = jiraConfig(jira.vendor.url);
  const system = jiraTickets(jiraTransport('jira-sec', config, h, { sleep }), config, 'acme');
  const req = (id: string, transition: FindingTransition, minutes: number): TicketRequest => ({
    destination: 'jira-sec', tenant: 'acme', uid: 'finding-1', transition, event: findingEvent(id, transition, 'finding-1', { time: at(minutes) }),
  });
  const apply = (r: TicketRequest) => applyFindingEvent(system, deps, r);
  const record = async () => JSON.parse((await store.get(ticketRecordKey({ destination: 'jira-sec', tenant: 'acme', uid: 'finding-1' })))!.value);
  return { timers, req, apply, record };
}

test('a transition still unanswered when the resolve\'s lease runs out is aborted; the event fails retryably, the lease lapses, the next event comments at once', async () => {
  const { timers, req, apply, record } = setup();
  await apply(req('c1', 'created', 0));
  let reached!: () => void;
  const sent = new Promise<void>((r) => (reached = r));
  jira.vendor.queue(ROUTES.transition, () => (reached(), reply.hang()));
  const resolving = apply(req('r1', 'resolved', 60)).catch((e: unknown) => e);
  await sent;
  expect(timers.running().map((x) => x.ms)).toEqual([120_000 - ABORT_MARGIN_MS]);
  h.clock.advance(120_000 - ABORT_MARGIN_MS);
  timers.fire();
  expect(await resolving).toMatchObject({ code: 'ticket_lease_expired', retryable: true, extra: { retryAfterMs: ABORT_MARGIN_MS } });
  expect((await record()).lease).toMatchObject({ until: 0, eventId: 'r1', effect: 'resolved' });
  expect(jira.issues[0]!.fields.status).toEqual(STATUS.todo);
  // The next event, within what was the lease: it reads the status (not done), then comments.
  expect(await apply(req('u1', 'updated', 90))).toMatchObject({ action: 'updated', ref: { key: 'SEC-1' } });
  expect(jira.issues[0]!.comments).toHaveLength(1);
  expect(await record()).toMatchObject({ resolved: false, applied: ['c1', 'u1'] });
  expect((await record()).lease).toBeUndefined();
  expect(jira.vendor.requestsTo(ROUTES.transition)).toHaveLength(1);
  expect(timers.running()).toEqual([]);
});

test('a comment waiting out a 429 when the lease runs out stops waiting: the retry sleep is aborted, nothing more is sent', async () => {
  let waiting!: () => void;
  const slept = new Promise<void>((r) => (waiting = r));
  // A real wait would last the Retry-After; this one ends only when the signal aborts.
  const sleep: Sleep = (_ms, signal) => new Promise((_, reject) => {
    waiting();
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  const { timers, req, apply, record } = setup(sleep);
  await apply(req('c1', 'created', 0));
  jira.vendor.queue(ROUTES.get, reply.tooManyRequests('20'));
  const updating = apply(req('u1', 'updated', 30)).catch((e: unknown) => e);
  await slept;
  h.clock.advance(120_000 - ABORT_MARGIN_MS);
  timers.fire();
  expect(await updating).toMatchObject({ code: 'ticket_lease_expired', retryable: true });
  expect((await record()).lease).toMatchObject({ until: 0, eventId: 'u1', effect: 'open' });
  expect(jira.vendor.requestsTo(ROUTES.get)).toHaveLength(1);
  expect(jira.vendor.requestsTo(ROUTES.comment)).toHaveLength(0);
});
