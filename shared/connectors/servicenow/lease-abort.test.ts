import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { memoryStore } from '../../store/memory';
import { ABORT_MARGIN_MS } from '../ticket-abort';
import { applyFindingEvent, type FindingTransition, ticketRecordKey, type TicketRequest } from '../tickets';
import { manualLeaseTimer } from '../tickets.testkit';
import type { Harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { eachFakeInstance, type FakeInstance } from './instance.testkit';
import { servicenowTickets } from './tickets';
import { servicenowTransport } from './transport';

/**
 * A Table API call made under a lease (`leaseSeconds`, ../ticket-abort.ts) that is still waiting
 * for its answer when the lease runs out is aborted on the wire, so the next event of the finding
 * acts alone.
 */
let vendor: VendorServer;
let h: Harness;
let sn: FakeInstance;

eachFakeInstance((kit) => ({ vendor, h, sn } = kit));

const LEASE_MS = 300_000;
const event = (id: string, transition: FindingTransition): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/github', type: `secorch.finding.${transition}`, subject: 'f-1', tenant: 'acme',
  data: { severity: 'High', finding_info: { uid: 'f-1', title: 'AWS key committed' } },
});

function setup() {
  const config = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' }, leaseSeconds: LEASE_MS / 1000 });
  const store = memoryStore(h.clock);
  const timers = manualLeaseTimer();
  const system = servicenowTickets(servicenowTransport('snow', config, { ...h, store }, { sleep: h.sleep, random: () => 0 }), config, store, 'acme');
  const deps = { store, clock: h.clock, logger: h.logger, leaseTimer: timers.timer };
  const req = (id: string, transition: FindingTransition): TicketRequest => ({ destination: 'snow', tenant: 'acme', uid: 'f-1', transition, event: event(id, transition), leaseSeconds: config.leaseSeconds });
  const apply = (r: TicketRequest) => applyFindingEvent(system, deps, r);
  const record = async () => JSON.parse((await store.get(ticketRecordKey({ destination: 'snow', tenant: 'acme', uid: 'f-1' })))!.value);
  /** The next call of `route` gets no answer; settles once it has been sent. */
  const hang = (route: string) => new Promise<void>((sent) => vendor.queue(route, () => (sent(), reply.hang())));
  return { timers, req, apply, record, hang };
}

test('a work note still unanswered when the lease (leaseSeconds) runs out is aborted; the event fails retryably, the lease lapses, the next event adds its note', async () => {
  const { timers, req, apply, record, hang } = setup();
  await apply(req('c1', 'created'));
  const sent = hang('PUT /api/now/table/:table/:id');
  const updating = apply(req('u1', 'updated')).catch((e: unknown) => e);
  await sent;
  expect(timers.running().map((x) => x.ms)).toEqual([LEASE_MS - ABORT_MARGIN_MS]);
  h.clock.advance(LEASE_MS - ABORT_MARGIN_MS);
  timers.fire();
  expect(await updating).toMatchObject({ code: 'ticket_lease_expired', retryable: true });
  expect((await record()).lease).toMatchObject({ until: 0, eventId: 'u1' });
  expect(await apply(req('u2', 'updated'))).toMatchObject({ action: 'updated', ref: { key: 'INC0010001' } });
  expect(sn.notes.get(sn.rows[0]!.sys_id!)).toHaveLength(1);
  expect((await record()).lease).toBeUndefined();
  expect(timers.running()).toEqual([]);
});

test('an insert still unanswered when the creating lease runs out is aborted; once the lease is over the next attempt searches, then creates', async () => {
  const { timers, req, apply, record, hang } = setup();
  const sent = hang('POST /api/now/table/:table');
  const creating = apply(req('c1', 'created')).catch((e: unknown) => e);
  await sent;
  expect(timers.running().map((x) => x.ms)).toEqual([LEASE_MS - ABORT_MARGIN_MS]);
  h.clock.advance(LEASE_MS - ABORT_MARGIN_MS);
  timers.fire();
  const failed = await creating;
  expect(failed).toMatchObject({ code: 'ticket_lease_expired', retryable: true, extra: { retryAfterMs: ABORT_MARGIN_MS } });
  expect(await record()).toMatchObject({ state: 'creating', eventId: 'c1' });
  h.clock.advance(ABORT_MARGIN_MS);
  expect(await apply(req('c1', 'created'))).toMatchObject({ action: 'created', ref: { key: 'INC0010001' } });
  expect(sn.rows).toHaveLength(1);
  expect(vendor.requestsTo('GET /api/now/table/:table')).toHaveLength(2);
  expect(timers.running()).toEqual([]);
});
