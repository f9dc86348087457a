import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../errors';
import { isConnectorError } from './errors';
import { foreignOrigin, foreignTo, originField, originOf } from './ticket-origin';
import { applied, type Created, markResolved, type Record, ticketRecordKey, write } from './ticket-record';
import { findingEventTime, latest, newerThan, olderThan } from './ticket-times';
import type { ReopenResult, TicketDeps, TicketOutcome, TicketRef, TicketRequest, TicketSystem } from './ticket-types';

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
 * and needs nothing more for a resolved one.
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
const NO_TICKET = 'resolved before any ticket was made';
const OLDER = 'older than the finding\'s resolve';
const UNKNOWN_STATUS = 'the finding was resolved, and this event does not say it is open again (status unknown)';
const OLDER_RESOLVE = 'older than the finding\'s latest open event';

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
  if (record?.state === 'creating' && record.until > deps.clock.now()) {
    throw new AppError('ticket_in_progress', `A ticket for finding ${req.uid} is being created by another attempt`, { status: 503, retryable: true });
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
    await write(deps.store, key, adopted, held?.version);
    log.info('ticket found in the target by finding uid; recorded', { ticket: found.key ?? found.id });
    if (adopted.applied.includes(req.event.id)) return { action: 'adopted', ref: found };
    const again = await deps.store.get(key);
    return follow(system, deps, req, key, again!.version, adopted);
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

/**
 * Claims the finding with a lease, creates its ticket and records it. A create the target refused
 * (a 4xx answer, or a failure before any request such as a template that gave no text) made
 * nothing, so its claim is given up at once: a corrected event, or the next attempt, need not wait
 * out the lease. It is given up as an expired lease rather than deleted, written only over this
 * attempt's own lease, so the next attempt still searches the target first. A create whose answer
 * never came (a timeout, a 5xx) may have been applied and keeps its lease.
 */
async function create(system: TicketSystem, deps: TicketDeps, req: TicketRequest, key: string, version: string | undefined, origin: string | undefined, opts?: { replaces: TicketRef }): Promise<TicketRef> {
  const claim = randomUUID();
  const lease: Record = { state: 'creating', until: deps.clock.now() + (req.leaseSeconds ?? 120) * 1000, eventId: req.event.id, ...opts, ...originField(origin) };
  await write(deps.store, key, lease, version, { newVersion: claim });
  let ref: TicketRef;
  try {
    ref = await system.create(req.uid, req.event, opts);
  } catch (e) {
    if (refusedCreate(e)) await deps.store.put(key, JSON.stringify({ ...lease, until: 0 } satisfies Record), { ifVersion: claim });
    throw e;
  }
  const openedAt = findingEventTime(req.event);
  await deps.store.put(key, JSON.stringify({ state: 'created', ref, applied: [req.event.id], ...(openedAt === undefined ? {} : { openedAt }), ...originField(origin) } satisfies Record));
  return ref;
}

/** A 4xx answer (408, 425 and 429 included: each says the request was not acted on), or our own refusal before sending. */
function refusedCreate(e: unknown): boolean {
  if (isConnectorError(e)) {
    const status = e.facts.vendorStatus;
    return typeof status === 'number' && status >= 400 && status < 500;
  }
  return isAppError(e) && !e.retryable;
}

/** The ticket itself answered 404 (or 410): deleted in the target, or no longer visible to the account. */
const isGone = (e: unknown) => isConnectorError(e) && e.code === 'connector_not_found';

/** The ticket exists: a redelivery of the event that made it does nothing; later events update or resolve it. */
async function follow(system: TicketSystem, deps: TicketDeps, req: TicketRequest, key: string, version: string, r: Created): Promise<TicketOutcome> {
  if (r.applied.includes(req.event.id)) return { action: 'skipped', reason: 'this event was applied already', ref: r.ref };
  const log = deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id });
  const at = findingEventTime(req.event);
  if (req.transition === 'resolved') {
    if (r.resolved) {
      // A later resolve moves the time on: an event dated between the two is older than it too.
      if (at !== undefined && (r.resolvedAt === undefined || at > r.resolvedAt)) await write(deps.store, key, { ...r, resolvedAt: at, applied: applied(r, req.event.id) }, version);
      return { action: 'skipped', reason: 'already resolved', ref: r.ref };
    }
    // Held back past a report of the finding open again: closing the ticket would hide an open finding.
    if (at !== undefined && r.openedAt !== undefined && at < r.openedAt) {
      log.info('resolve older than the finding\'s latest open event; acknowledged without resolving the ticket', { eventTime: new Date(at).toISOString(), openedAt: new Date(r.openedAt).toISOString() });
      return { action: 'skipped', reason: OLDER_RESOLVE, ref: r.ref };
    }
    const gone = await system.resolve(r.ref, req.event).then(() => false, (e: unknown) => (isGone(e) ? true : Promise.reject(e)));
    await write(deps.store, key, { ...r, resolved: true, resolvedAt: latest(r.resolvedAt, at), applied: applied(r, req.event.id) }, version);
    if (!gone) return { action: 'resolved', ref: r.ref };
    // Nothing left to close: a new ticket only to close it would tell nobody anything.
    log.warn('ticket gone from the target; the resolved finding needs none', { ticket: r.ref.key ?? r.ref.id });
    return { action: 'skipped', reason: 'the ticket is gone from the target', ref: r.ref };
  }
  // Held back past the resolve: neither a comment on the resolved ticket nor, when that is gone, a new one.
  if (r.resolved && olderThan(at, r.resolvedAt)) return { ...older(deps, req, at!, r.resolvedAt!), ref: r.ref };
  if (r.resolved && reportsNothingOpen(req)) return { ...unknownStatus(deps, req), ref: r.ref };
  // Dated after the resolve: the finding is open again, and so is its ticket before it is updated.
  let reopen: ReopenResult | undefined;
  try {
    if (r.resolved && newerThan(at, r.resolvedAt)) reopen = await system.reopen?.(r.ref, req.event);
    if (reopen?.kind !== 'final') await system.update(r.ref, req.event);
  } catch (e) {
    if (!isGone(e)) throw e;
    // The finding is still open and its ticket was deleted (a clean-up, an issue moved away, an ACL
    // change). That fixes nothing: the finding needs a ticket for someone to work it, and stopping
    // would send this and every later event of the finding to the dead letters for good. So a new
    // ticket is made, as for a first event; the log names the one it replaces. The lease is taken
    // over the record this attempt read, so attempts racing here make one ticket.
    const ref = await create(system, deps, req, key, version, r.origin);
    log.warn('ticket gone from the target; created a new one for the open finding', { ticket: ref.key ?? ref.id, replaced: r.ref.key ?? r.ref.id, reason: (e as Error).message });
    return { action: 'created', ref };
  }
  const ticket = r.ref.key ?? r.ref.id;
  if (reopen?.kind === 'final') {
    // Closed for good (read-only): as for a deleted ticket, the open finding needs one someone can work.
    const ref = await create(system, deps, req, key, version, r.origin, { replaces: r.ref });
    log.warn('ticket closed for good in the target; created a new one for the reopened finding', { ticket: ref.key ?? ref.id, replaced: ticket, reason: reopen.reason });
    return { action: 'created', ref };
  }
  // Updated all the same: failing the event would send it and every later one of the finding to the dead letters.
  if (reopen?.kind === 'stays') log.warn('ticket of the reopened finding left in its closed status; updated', { ticket, reason: reopen.reason });
  if (reopen?.kind === 'reopened') log.info('ticket reopened: its finding was reported open again', { ticket, ...(reopen.status ? { status: reopen.status } : {}) });
  const openedAt = reportsNothingOpen(req) ? r.openedAt : latest(r.openedAt, at);
  await write(deps.store, key, { ...r, resolved: false, ...(openedAt === undefined ? {} : { openedAt }), applied: applied(r, req.event.id) }, version);
  return { action: reopen?.kind === 'reopened' ? 'reopened' : 'updated', ref: r.ref };
}

/** A created or updated event dated at or before the finding's resolve: acknowledged, nothing done. */
function older(deps: TicketDeps, req: TicketRequest, at: number, resolvedAt: number): TicketOutcome {
  deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id })
    .info('finding event older than the finding\'s resolve; acknowledged without acting on the ticket', { transition: req.transition, eventTime: new Date(at).toISOString(), resolvedAt: new Date(resolvedAt).toISOString() });
  return { action: 'skipped', reason: OLDER };
}

/**
 * An updated event that tells of something done to the finding without saying whether it is open:
 * its OCSF finding gives status_id 0 (Unknown). A PagerDuty note, status update or responder
 * request (they carry a reference to the incident, not its status), or a generic source mapped
 * without a status path. It neither reopens a resolved ticket nor makes one for a finding resolved
 * before any ticket was made, and it does not move `openedAt`. An event whose data gives no
 * status_id at all is read as before, and a created one is the finding reported open whatever its
 * status says.
 */
const reportsNothingOpen = (req: TicketRequest) =>
  req.transition === 'updated' && (req.event.data as { status_id?: unknown } | null | undefined)?.status_id === 0;

/** An updated event of a resolved finding that does not say it is open again: acknowledged, nothing done. */
function unknownStatus(deps: TicketDeps, req: TicketRequest): TicketOutcome {
  deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id })
    .info('finding event of unknown status after the finding\'s resolve; acknowledged without reopening or making a ticket', { transition: req.transition });
  return { action: 'skipped', reason: UNKNOWN_STATUS };
}
