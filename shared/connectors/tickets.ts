import { randomUUID } from 'node:crypto';
import { create } from './ticket-create';
import { follow } from './ticket-follow';
import { leaseWaitMs, ticketInProgress } from './ticket-lease';
import { foreignOrigin, foreignTo, originField, originOf } from './ticket-origin';
import { markResolved, type Record, ticketRecordKey, write } from './ticket-record';
import { NO_TICKET, older, reportsNothingOpen, unknownStatus } from './ticket-skips';
import { findingEventTime, olderThan } from './ticket-times';
import type { TicketDeps, TicketOutcome, TicketRequest, TicketSystem } from './ticket-types';

export { ticketRecordKey } from './ticket-record';
export { findingEventTime, markerTtlSeconds } from './ticket-times';
export type { FindingTransition, ReopenResult, TicketDeps, TicketOutcome, TicketRef, TicketRequest, TicketSystem } from './ticket-types';

/**
 * One ticket (Jira issue, ServiceNow incident, ...) per finding for the finding's life, on
 * at-least-once delivery. The finding uid is recorded in the state store, `creating` (with a
 * lease) before the create call and `created` with the ticket after it, and the target carries
 * the uid too (a label, an entity property, `correlation_id`). A redelivered event finds
 * `created` and updates nothing twice; an event that finds `creating` from a crashed attempt (its
 * lease over) searches the target for the uid before creating, so a crash between the create call
 * and the record does not make a second ticket. Targets whose search is only eventually
 * consistent (Jira's JQL index lags writes by seconds) leave a window of that length after a
 * crash; each connector's README section says how long. A create the target refuses gives its
 * lease up at once; a ticket deleted in the target (404) is made again for a finding still open
 * and needs nothing more for a resolved one. Later events act on the ticket one at a time, each
 * under a lease on the `created` record (ticket-follow.ts), so two events of the finding handled
 * at once cannot leave the ticket in another state than the record. An event that finds a lease
 * held fails with `ticket_in_progress`, asking to be delivered again once it runs out
 * (ticket-lease.ts).
 *
 * Events need not arrive in order: a `created` event held back (a vendor's 429, a redelivery, a
 * dead letter replayed) can come after the finding's `resolved`. So a resolve that finds no ticket
 * records the finding `resolved` with the time of that event (findingEventTime), and a resolve of
 * a ticket keeps it as `resolvedAt`; a later created or updated event dated at or before it is
 * acknowledged without a ticket, a comment or a new ticket for a deleted one. An event dated after
 * it is the finding open again (the scanner found it again) and is applied. Equal times count as
 * older: a finding is opened before it is resolved, and a source whose clock moves in coarse steps
 * (GitHub's seconds, an ASFF UpdatedAt that an analyst's workflow change leaves as it was) dates
 * both alike. Times are compared as written: the events of one finding come from its one source,
 * on one clock. An event without a time, or a record written before these times were kept, is
 * handled as it always was. The `resolved` record lasts as long as an older event can still come
 * (markerTtlSeconds) and never holds back a newer one, so a finding reopened months later gets
 * its ticket.
 *
 * The other way round, a ticket keeps the time of its finding's latest applied created or updated
 * event (`openedAt`), and a resolve dated before it is acknowledged without closing the ticket: it
 * is from a life of the finding that a later report found open again. Here equal times count the
 * resolve as newer, by the same rule. A created or updated event dated after the ticket's resolve
 * reopens it (TicketSystem.reopen) before it is applied, so the people working tickets see the
 * finding back; a ticket the target keeps closed for good is replaced by a new one, as a deleted
 * ticket is, and one the target offers no way to reopen keeps its status and is updated, with a
 * warning. An updated event whose finding's status is unknown (reportsNothingOpen: a PagerDuty note
 * after the incident was resolved) reports nothing open: it is applied to an open ticket, and
 * acknowledged without acting on a resolved one or making one after a resolve.
 *
 * A finding's ticket is the origin's whose event wrote its first record (`origin`, kept by every
 * later record of it): an event of another origin with the same uid is acknowledged without
 * acting on the ticket or the record (ticket-origin.ts says why, and what records without an
 * origin, and events without one, do).
 */
const keyOf = ticketRecordKey;

export async function applyFindingEvent(system: TicketSystem, deps: TicketDeps, req: TicketRequest): Promise<TicketOutcome> {
  const key = keyOf(req);
  const log = deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id });
  const held = await deps.store.get(key);
  const record = held ? (JSON.parse(held.value) as Record) : undefined;
  // Checked before anything else, a running lease included: retrying cannot make the event the owner's.
  const owner = record?.origin;
  if (foreignTo(owner, req.event)) return foreignOrigin(deps, req, owner, record?.state === 'created' ? record.ref : undefined);
  // What the records written from here carry: the held record's origin (none on one written before
  // origins were kept: it is not taken over), else, for the finding's first record, this event's.
  const origin = record ? record.origin : originOf(req.event);
  if (record?.state === 'created') return follow(system, deps, req, key, held!.version, record);
  const now = deps.clock.now();
  if (record?.state === 'creating' && record.until > now) {
    throw ticketInProgress(`A ticket for finding ${req.uid} is being created by another attempt`, leaseWaitMs(record.until, now));
  }
  const at = findingEventTime(req.event);
  if (record?.state === 'resolved') {
    // No search: only a ticket made by this protocol replaces this record, and none was.
    if (req.transition === 'resolved') {
      if (at !== undefined && at > record.at) await markResolved(deps, key, req, at, held!.version, origin);
      return { action: 'skipped', reason: NO_TICKET };
    }
    if (olderThan(at, record.at)) return older(deps, req, at!, record.at);
    if (reportsNothingOpen(req)) return unknownStatus(deps, req);
    // Dated after the resolve: the finding is open again. As for a first event: search, then create.
  }
  // No record, a crashed attempt's, or the finding reopened: the target may hold the ticket already.
  // Not the one a replacement was begun for: it is closed for good, and still carries the uid.
  const replaces = record?.state === 'creating' ? record.replaces : undefined;
  const found = await system.findByUid(req.uid);
  if (found && found.id !== replaces?.id) {
    const adopted: Record = { state: 'created', ref: found, applied: record?.state === 'creating' ? [record.eventId] : [], ...originField(origin) };
    // Its version chosen here: the event goes on from this very record, or loses to a later write.
    const version = randomUUID();
    await write(deps.store, key, adopted, held?.version, { newVersion: version });
    log.info('ticket found in the target by finding uid; recorded', { ticket: found.key ?? found.id });
    if (adopted.applied.includes(req.event.id)) return { action: 'adopted', ref: found };
    return follow(system, deps, req, key, version, adopted);
  }
  if (req.transition === 'resolved') {
    // Kept, so that an older event of the finding arriving later makes no ticket for it. Written
    // over the record this attempt read: a create that took its lease meanwhile makes this a
    // retry, which then resolves the ticket that create made. Without a time there is nothing to
    // compare later events with, and nothing is kept.
    if (at !== undefined) {
      await markResolved(deps, key, req, at, held?.version, origin);
      log.info('finding resolved before any ticket was made; recorded, so an older event of it makes none', { resolvedAt: new Date(at).toISOString() });
    }
    return { action: 'skipped', reason: NO_TICKET };
  }
  const ref = await create(system, deps, req, key, held?.version, origin, replaces && { replaces });
  log.info('ticket created', { ticket: ref.key ?? ref.id });
  return { action: 'created', ref };
}
