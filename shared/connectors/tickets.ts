import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../errors';
import type { CloudEvent } from '../events/cloudevent';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { StateStore } from '../ports/store';
import { isConnectorError } from './errors';

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
 */
export interface TicketRef {
  id: string;
  /** Human key (SEC-123, INC0010001) and link, for logs and events. */
  key?: string;
  url?: string;
}

export type FindingTransition = 'created' | 'updated' | 'resolved';

export interface TicketSystem {
  /** The ticket carrying this finding uid in the target, if any (its label, property or correlation id). */
  findByUid(uid: string): Promise<TicketRef | undefined>;
  create(uid: string, event: CloudEvent): Promise<TicketRef>;
  /** A later event of an open finding: a comment or a field update. */
  update(ref: TicketRef, event: CloudEvent): Promise<void>;
  /** The finding is resolved: transition or close the ticket. */
  resolve(ref: TicketRef, event: CloudEvent): Promise<void>;
}

export interface TicketDeps {
  store: StateStore;
  clock: Clock;
  logger: Logger;
}

export interface TicketRequest {
  destination: string;
  tenant: string;
  uid: string;
  transition: FindingTransition;
  event: CloudEvent;
  /** How long a create may take before another attempt may search and create (default 120 s). */
  leaseSeconds?: number;
}

export type TicketOutcome =
  | { action: 'created' | 'updated' | 'resolved' | 'adopted'; ref: TicketRef }
  | { action: 'skipped'; reason: string; ref?: TicketRef };

/** `applied`: the ids of the last events applied, newest last, so a redelivered older event changes nothing either. */
type Record = { state: 'creating'; until: number; eventId: string } | { state: 'created'; ref: TicketRef; applied: string[]; resolved?: boolean };
const APPLIED_KEPT = 20;
const applied = (r: Extract<Record, { state: 'created' }>, id: string) => [...r.applied.filter((x) => x !== id), id].slice(-APPLIED_KEPT);

/** The state-store key of a finding's ticket record (read back by the ServiceNow sync to tell whose a record is). */
export const ticketRecordKey = (r: Pick<TicketRequest, 'destination' | 'tenant' | 'uid'>) => `tkt:${r.destination}:${r.tenant}:${r.uid}`;
const keyOf = ticketRecordKey;

export async function applyFindingEvent(system: TicketSystem, deps: TicketDeps, req: TicketRequest): Promise<TicketOutcome> {
  const key = keyOf(req);
  const log = deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id });
  const held = await deps.store.get(key);
  const record = held ? (JSON.parse(held.value) as Record) : undefined;
  if (record?.state === 'created') return follow(system, deps, req, key, held!.version, record);
  if (record?.state === 'creating' && record.until > deps.clock.now()) {
    throw new AppError('ticket_in_progress', `A ticket for finding ${req.uid} is being created by another attempt`, { status: 503, retryable: true });
  }
  // No record, or a crashed attempt's: the target may hold the ticket already.
  const found = await system.findByUid(req.uid);
  if (found) {
    const adopted: Record = { state: 'created', ref: found, applied: record?.state === 'creating' ? [record.eventId] : [] };
    await write(deps.store, key, adopted, held?.version);
    log.info('ticket found in the target by finding uid; recorded', { ticket: found.key ?? found.id });
    if (adopted.applied.includes(req.event.id)) return { action: 'adopted', ref: found };
    const again = await deps.store.get(key);
    return follow(system, deps, req, key, again!.version, adopted);
  }
  if (req.transition === 'resolved') return { action: 'skipped', reason: 'resolved before any ticket was made' };
  const ref = await create(system, deps, req, key, held?.version);
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
async function create(system: TicketSystem, deps: TicketDeps, req: TicketRequest, key: string, version: string | undefined): Promise<TicketRef> {
  const claim = randomUUID();
  const lease: Record = { state: 'creating', until: deps.clock.now() + (req.leaseSeconds ?? 120) * 1000, eventId: req.event.id };
  await write(deps.store, key, lease, version, claim);
  let ref: TicketRef;
  try {
    ref = await system.create(req.uid, req.event);
  } catch (e) {
    if (refusedCreate(e)) await deps.store.put(key, JSON.stringify({ ...lease, until: 0 } satisfies Record), { ifVersion: claim });
    throw e;
  }
  await deps.store.put(key, JSON.stringify({ state: 'created', ref, applied: [req.event.id] } satisfies Record));
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
async function follow(system: TicketSystem, deps: TicketDeps, req: TicketRequest, key: string, version: string, r: Extract<Record, { state: 'created' }>): Promise<TicketOutcome> {
  if (r.applied.includes(req.event.id)) return { action: 'skipped', reason: 'this event was applied already', ref: r.ref };
  const log = deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id });
  if (req.transition === 'resolved') {
    if (r.resolved) return { action: 'skipped', reason: 'already resolved', ref: r.ref };
    const gone = await system.resolve(r.ref, req.event).then(() => false, (e: unknown) => (isGone(e) ? true : Promise.reject(e)));
    await write(deps.store, key, { ...r, resolved: true, applied: applied(r, req.event.id) }, version);
    if (!gone) return { action: 'resolved', ref: r.ref };
    // Nothing left to close: a new ticket only to close it would tell nobody anything.
    log.warn('ticket gone from the target; the resolved finding needs none', { ticket: r.ref.key ?? r.ref.id });
    return { action: 'skipped', reason: 'the ticket is gone from the target', ref: r.ref };
  }
  try {
    await system.update(r.ref, req.event);
  } catch (e) {
    if (!isGone(e)) throw e;
    // The finding is still open and its ticket was deleted (a clean-up, an issue moved away, an ACL
    // change). That fixes nothing: the finding needs a ticket for someone to work it, and stopping
    // would send this and every later event of the finding to the dead letters for good. So a new
    // ticket is made, as for a first event; the log names the one it replaces. The lease is taken
    // over the record this attempt read, so attempts racing here make one ticket.
    const ref = await create(system, deps, req, key, version);
    log.warn('ticket gone from the target; created a new one for the open finding', { ticket: ref.key ?? ref.id, replaced: r.ref.key ?? r.ref.id, reason: (e as Error).message });
    return { action: 'created', ref };
  }
  await write(deps.store, key, { ...r, resolved: false, applied: applied(r, req.event.id) }, version);
  return { action: 'updated', ref: r.ref };
}

/** A conditional write: losing the race to another attempt is a retry, not a second ticket. */
async function write(store: StateStore, key: string, r: Record, version: string | undefined, newVersion?: string): Promise<void> {
  const cond = version === undefined ? { ifAbsent: true } : { ifVersion: version };
  const ok = await store.put(key, JSON.stringify(r), newVersion === undefined ? cond : { ...cond, newVersion });
  if (!ok) throw new AppError('ticket_in_progress', 'Another attempt changed this finding\'s ticket record; retrying', { status: 503, retryable: true });
}
