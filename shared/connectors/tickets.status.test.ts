import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudEvent } from '../events/cloudevent';
import { pagerdutyMapper } from '../mappers/pagerduty';
import type { MappedEvent } from '../mappers/types';
import { memoryStore } from '../store/memory';
import { applyFindingEvent, ticketRecordKey, type FindingTransition } from './tickets';
import { fakeTicketTarget } from './tickets.testkit';

/**
 * Updated events of unknown status (tickets.ts, reportsNothingOpen): a PagerDuty note on a resolved
 * incident carries a reference to the incident, not its status, and is no report of the incident
 * open again. The events come from PagerDuty's documented V3 examples through the PagerDuty mapper
 * (../mappers/pagerduty/fixtures); the target is the in-memory fake of tickets.testkit.ts.
 */

type Json = Record<string, unknown>;
const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'mappers', 'pagerduty', 'fixtures', name), 'utf8')) as { event: Json & { data: Json } };
const T0 = Date.parse('2030-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** A webhook of PagerDuty's example incident: `eventType` with the incident in `status`, at `minutes`. */
const incident = (id: string, eventType: string, status: string, minutes: number) => {
  const p = fixture('incident.priority_updated.json');
  Object.assign(p.event, { id, event_type: eventType, occurred_at: at(minutes) });
  p.event.data.status = status;
  return p;
};
/** An incident.annotated webhook: the documented incident_note data, in the first example's envelope. */
const note = (id: string, minutes: number) => {
  const p = fixture('incident.priority_updated.json');
  Object.assign(p.event, { id, event_type: 'incident.annotated', occurred_at: at(minutes), data: fixture('incident_note.data.json') });
  return p;
};

function setup() {
  const now = T0 + 86_400_000;
  const clock = { now: () => now };
  const store = memoryStore(clock);
  const logs: string[] = [];
  const logger = { debug() {}, info: (msg: string) => void logs.push(msg), warn() {}, error() {}, child: () => logger };
  const t = fakeTicketTarget();
  /** Maps a webhook as the ingress does and applies its event, as a ticket destination does. */
  const applyEvent = (event: CloudEvent) => {
    const transition = event.type.split('.').pop() as FindingTransition;
    return applyFindingEvent(t.system, { store, clock, logger }, { destination: 'jira', tenant: 't', uid: event.subject!, transition, event });
  };
  const apply = (payload: unknown) => {
    const m = pagerdutyMapper({ deliveryId: 'w', payload, receivedAt: now }) as MappedEvent;
    return applyEvent({ specversion: '1.0', id: m.key!, source: 'webhook/pd', type: m.type, subject: m.subject, time: m.time, data: m.data });
  };
  const record = async () => JSON.parse((await store.get(ticketRecordKey({ destination: 'jira', tenant: 't', uid: 'pagerduty:PGR0VU2' })))!.value) as Json;
  return { t, apply, applyEvent, logs, record };
}

test('the documented incident note maps to an update of unknown status (its incident reference carries none)', () => {
  const m = pagerdutyMapper({ deliveryId: 'w', payload: note('n1', 5), receivedAt: T0 }) as MappedEvent;
  expect(m).toMatchObject({ type: 'secorch.finding.updated', subject: 'pagerduty:PGR0VU2', time: at(5), data: { status_id: 0, comment: 'I sure am glad we are using PagerDuty!' } });
});

test('a note after the incident was resolved leaves its resolved ticket as it is; one while it is open is a comment', async () => {
  const { t, apply, logs, record } = setup();
  expect((await apply(incident('e1', 'incident.triggered', 'triggered', 0))).action).toBe('created');
  expect((await apply(note('n1', 5))).action).toBe('updated');
  expect(t.tickets.get('1')).toMatchObject({ resolved: false, comments: ['n1'] });
  // The note does not count as a report of the incident open: openedAt stays the trigger's.
  expect(await record()).toMatchObject({ openedAt: T0 });

  expect((await apply(incident('e2', 'incident.resolved', 'resolved', 10))).action).toBe('resolved');
  // A postmortem note an hour later: not the incident opening again.
  expect(await apply(note('n2', 70))).toEqual({ action: 'skipped', reason: expect.stringMatching(/status unknown/), ref: { id: '1', key: 'SEC-1' } });
  expect(t.tickets.get('1')).toMatchObject({ resolved: true, comments: ['n1'] });
  expect(logs.at(-1)).toMatch(/^finding event of unknown status after the finding's resolve/);
  expect(await record()).toMatchObject({ resolved: true, resolvedAt: T0 + 600_000 });

  // The incident reopened (incident.reopened, status triggered) is: the ticket is reopened.
  expect((await apply(incident('e3', 'incident.reopened', 'triggered', 80))).action).toBe('reopened');
  expect(t.calls.filter((c) => !c.startsWith('find'))).toEqual(['create e1', 'update n1', 'resolve e2', 'reopen e3', 'update e3']);
});

test('a note of an incident resolved before any ticket was made makes none', async () => {
  const { t, apply } = setup();
  expect((await apply(incident('e1', 'incident.resolved', 'resolved', 10))).action).toBe('skipped');
  expect(await apply(note('n1', 30))).toEqual({ action: 'skipped', reason: expect.stringMatching(/status unknown/) });
  expect(t.tickets.size).toBe(0);
  // An event that reports the incident open again does.
  expect((await apply(incident('e2', 'incident.reopened', 'triggered', 40))).action).toBe('created');
});

test('only an updated event of status Unknown is held back: a created one, and an updated one stating no status, reopen', async () => {
  const { t, apply, applyEvent } = setup();
  await apply(incident('e1', 'incident.triggered', 'triggered', 0));
  await apply(incident('e2', 'incident.resolved', 'resolved', 10));
  // incident.triggered naming a status PagerDuty does not document: status Unknown, and still created.
  const created = incident('e3', 'incident.triggered', 'unheard-of', 20);
  expect((await apply(created)).action).toBe('reopened');
  await apply(incident('e4', 'incident.resolved', 'resolved', 30));
  // An update that leaves status_id out (an event posted to /events) is a report of the finding, as before.
  const posted: CloudEvent = { specversion: '1.0', id: 'x1', source: 'api', type: 'secorch.finding.updated', subject: 'pagerduty:PGR0VU2', time: at(40), data: { comment: 'still there' } };
  expect((await applyEvent(posted)).action).toBe('reopened');
  expect(t.calls.filter((c) => c.startsWith('reopen'))).toEqual(['reopen e3', 'reopen x1']);
});
