import { AppError } from '../errors';
import type { CloudEvent } from '../events/cloudevent';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { StateStore } from '../ports/store';

/**
 * One ticket (Jira issue, ServiceNow incident, ...) per finding for the finding's life, on
 * at-least-once delivery. The finding uid is recorded in the state store, `creating` (with a
 * lease) before the create call and `created` with the ticket after it, and the target carries
 * the uid too (a label, an entity property, `correlation_id`). A redelivered event finds
 * `created` and updates nothing twice; an event that finds `creating` from a crashed attempt (its
 * lease over) searches the target for the uid before creating, so a crash between the create call
 * and the record does not make a second ticket. Targets whose search is only eventually
 * consistent (Jira's JQL index lags writes by seconds) leave a window of that length after a
 * crash; each connector's README section says how long.
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
  const lease: Record = { state: 'creating', until: deps.clock.now() + (req.leaseSeconds ?? 120) * 1000, eventId: req.event.id };
  await write(deps.store, key, lease, held?.version);
  const ref = await system.create(req.uid, req.event);
  await deps.store.put(key, JSON.stringify({ state: 'created', ref, applied: [req.event.id] } satisfies Record));
  log.info('ticket created', { ticket: ref.key ?? ref.id });
  return { action: 'created', ref };
}

/** The ticket exists: a redelivery of the event that made it does nothing; later events update or resolve it. */
async function follow(system: TicketSystem, deps: TicketDeps, req: TicketRequest, key: string, version: string, r: Extract<Record, { state: 'created' }>): Promise<TicketOutcome> {
  if (r.applied.includes(req.event.id)) return { action: 'skipped', reason: 'this event was applied already', ref: r.ref };
  if (req.transition === 'resolved') {
    if (r.resolved) return { action: 'skipped', reason: 'already resolved', ref: r.ref };
    await system.resolve(r.ref, req.event);
    await write(deps.store, key, { ...r, resolved: true, applied: applied(r, req.event.id) }, version);
    return { action: 'resolved', ref: r.ref };
  }
  await system.update(r.ref, req.event);
  await write(deps.store, key, { ...r, resolved: false, applied: applied(r, req.event.id) }, version);
  return { action: 'updated', ref: r.ref };
}

/** A conditional write: losing the race to another attempt is a retry, not a second ticket. */
async function write(store: StateStore, key: string, r: Record, version: string | undefined): Promise<void> {
  const ok = await store.put(key, JSON.stringify(r), version === undefined ? { ifAbsent: true } : { ifVersion: version });
  if (!ok) throw new AppError('ticket_in_progress', 'Another attempt changed this finding\'s ticket record; retrying', { status: 503, retryable: true });
}
