import { randomUUID } from 'node:crypto';
import { isConnectorError } from './errors';
import { leaseAbort } from './ticket-abort';
import { create } from './ticket-create';
import { leaseMs, leaseWaitMs, ticketInProgress } from './ticket-lease';
import { applied, type Created, type Lease, write } from './ticket-record';
import { OLDER_RESOLVE, older, reportsNothingOpen, unknownStatus } from './ticket-skips';
import { findingEventTime, latest, newerThan, olderThan } from './ticket-times';
import type { CallOptions, ReopenResult, TicketDeps, TicketOutcome, TicketRequest, TicketSystem } from './ticket-types';

/**
 * The events of a finding whose ticket exists (the protocol: tickets.ts): a redelivery of an
 * applied event does nothing; later events comment on, reopen or resolve the ticket.
 *
 * One attempt at a time acts on a finding's ticket. Two different events of one finding can be
 * handled at once (a standard SQS queue, parallel consumers; the router's claim only keeps two
 * copies of one event apart), and both would read the same record: the one whose write lost would
 * have acted on the ticket already and be judged, on its retry, against the other's record (a
 * resolve that closed the ticket skipped as older than an update written meanwhile, the ticket
 * left closed for an open finding). So an attempt that is to act takes a lease on the record (a
 * conditional write over the version it read and decided from), acts, and writes its outcome and
 * the lease's end in one conditional write. An event that finds the lease held is retried once it
 * has run out (ticket_in_progress, with the wait), even one this event would leave alone: what the
 * record will say is not known yet. Deciding to do nothing takes no lease.
 *
 * A lease can lapse without its outcome written: the attempt died after the target acted, failed
 * part-way (a reopen done, the comment refused), or ran out of lease time (its calls are aborted
 * then, ticket-abort.ts). The ticket may then be as that action left it while the record does not
 * say so, and that action's event will be delivered again. The next attempt decides as if the
 * lapsed action had been applied (asIfApplied), and when
 * it acts it sets the ticket's state itself instead of trusting the record: a resolve resolves a
 * ticket the record calls resolved, an update reopens one the lapsed action may have left closed
 * (a resolve, or a reopen that had not acted yet). Both read the ticket's status first (a Jira
 * issue in the done category is not transitioned again, a ServiceNow record not in the resolve
 * state is not reopened), so they change nothing when the lapsed action did not happen. The lapsed event, delivered again, is judged against the record written then,
 * which matches the ticket. Its comment or work note may be added a second time: whether it was
 * made cannot be told, as after a timeout, which is not repeated within the call but redelivered
 * by the queue.
 */
export async function follow(system: TicketSystem, deps: TicketDeps, req: TicketRequest, key: string, version: string, held: Created): Promise<TicketOutcome> {
  if (held.applied.includes(req.event.id)) return { action: 'skipped', reason: 'this event was applied already', ref: held.ref };
  const now = deps.clock.now();
  if (held.lease && held.lease.until > now) {
    throw ticketInProgress(`Another attempt is acting on the ticket of finding ${req.uid}`, leaseWaitMs(held.lease.until, now));
  }
  const { lease: lapsed, ...record } = held;
  // Its own lapsed lease: this event is being applied again, and is not taken as done.
  const r = lapsed && lapsed.eventId !== req.event.id ? asIfApplied(record, lapsed) : record;
  // The ticket may be in either status: an earlier attempt left it so (statusUnknown), or the lapsed
  // action would change it, and whether it did cannot be told.
  const statusUnknown = record.statusUnknown === true || (lapsed !== undefined && asIfApplied(record, lapsed).resolved !== (record.resolved === true));
  const step = { system, deps, req, key, version, r, stored: record, unsure: lapsed !== undefined || statusUnknown, statusUnknown };
  return req.transition === 'resolved' ? resolve(step) : update(step);
}

interface Step {
  system: TicketSystem;
  deps: TicketDeps;
  req: TicketRequest;
  key: string;
  /** The version the decision was made from: the lease is written over it. */
  version: string;
  /** The record (without its lease), with a lapsed lease's action taken as applied. */
  r: Created;
  /** The record as stored (without its lease): what a lease taken, or given up after a failure, is written over. */
  stored: Created;
  /** A lease lapsed, or the record's status is unknown: the ticket's status may not be the record's. */
  unsure: boolean;
  /**
   * The ticket may be open or closed, whatever the record says: a lapsed action may have changed it
   * (a resolve of an open ticket, a reopen of a resolved one), or an attempt that found it so failed.
   * Kept in the record (`statusUnknown`) until a resolve or reopen call has set the ticket's status.
   */
  statusUnknown: boolean;
}

/** The record as the lapsed lease's action would have left it. */
function asIfApplied(r: Created, lease: Lease): Created {
  if (lease.effect === 'resolved') return { ...r, resolved: true, ...times(latest(r.resolvedAt, lease.at), r.openedAt) };
  if (lease.effect === 'open') return { ...r, resolved: false, ...times(r.resolvedAt, latest(r.openedAt, lease.at)) };
  return r;
}

/** The record with `statusUnknown` set, or left out: only what a call on the ticket confirmed clears it. */
function known(r: Created, statusUnknown: boolean): Created {
  const { statusUnknown: _, ...rest } = r;
  return statusUnknown ? { ...rest, statusUnknown: true } : rest;
}

const times = (resolvedAt: number | undefined, openedAt: number | undefined) => ({
  ...(resolvedAt === undefined ? {} : { resolvedAt }), ...(openedAt === undefined ? {} : { openedAt }),
});

const logFor = ({ deps, req }: Step) => deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id });

/** The ticket itself answered 404 (or 410): deleted in the target, or no longer visible to the account. */
const isGone = (e: unknown) => isConnectorError(e) && e.code === 'connector_not_found';

async function resolve(s: Step): Promise<TicketOutcome> {
  const { system, deps, req, key, r } = s;
  const at = findingEventTime(req.event);
  if (r.resolved && !s.unsure) {
    // A later resolve moves the time on: an event dated between the two is older than it too.
    if (at !== undefined && (r.resolvedAt === undefined || at > r.resolvedAt)) await write(deps.store, key, { ...r, resolvedAt: at, applied: applied(r, req.event.id) }, s.version);
    return { action: 'skipped', reason: 'already resolved', ref: r.ref };
  }
  // Held back past a report of the finding open again: closing the ticket would hide an open finding.
  if (at !== undefined && r.openedAt !== undefined && at < r.openedAt) {
    logFor(s).info('resolve older than the finding\'s latest open event; acknowledged without resolving the ticket', { eventTime: new Date(at).toISOString(), openedAt: new Date(r.openedAt).toISOString() });
    return { action: 'skipped', reason: OLDER_RESOLVE, ref: r.ref };
  }
  const lease = await hold(s, 'resolved', at);
  const gone = await lease.acting((o) => system.resolve(r.ref, req.event, o).then(() => false, (e: unknown) => (isGone(e) ? true : Promise.reject(e))));
  // The resolve call set the ticket's status (or found it gone): it is known again.
  await lease.done({ ...known(r, false), resolved: true, ...times(latest(r.resolvedAt, at), r.openedAt), applied: applied(r, req.event.id) });
  if (!gone) return { action: 'resolved', ref: r.ref };
  // Nothing left to close: a new ticket only to close it would tell nobody anything.
  logFor(s).warn('ticket gone from the target; the resolved finding needs none', { ticket: r.ref.key ?? r.ref.id });
  return { action: 'skipped', reason: 'the ticket is gone from the target', ref: r.ref };
}

async function update(s: Step): Promise<TicketOutcome> {
  const { system, deps, req, key, r } = s;
  const at = findingEventTime(req.event);
  const log = logFor(s);
  // Held back past the resolve: neither a comment on the resolved ticket nor, when that is gone, a new one.
  if (r.resolved && olderThan(at, r.resolvedAt)) return { ...older(deps, req, at!, r.resolvedAt!), ref: r.ref };
  if (r.resolved && reportsNothingOpen(req)) return { ...unknownStatus(deps, req), ref: r.ref };
  // Dated after the resolve: the finding is open again, and so is its ticket before it is updated.
  // After a lapsed lease the record's open may not be the ticket's (a reopen that died before it acted).
  const reopening = r.resolved ? newerThan(at, r.resolvedAt) : s.statusUnknown;
  const opens = !reportsNothingOpen(req);
  const lease = await hold(s, opens || reopening ? 'open' : 'note', opens ? at : undefined);
  let reopen: ReopenResult | undefined;
  try {
    reopen = await lease.acting(async (o) => {
      const result = reopening && system.reopen ? await system.reopen(r.ref, req.event, o) : undefined;
      if (result?.kind !== 'final') await system.update(r.ref, req.event, o);
      return result;
    });
  } catch (e) {
    if (!isGone(e)) throw e;
    // The finding is still open and its ticket was deleted (a clean-up, an issue moved away, an ACL
    // change). That fixes nothing: the finding needs a ticket for someone to work it, and stopping
    // would send this and every later event of the finding to the dead letters for good. So a new
    // ticket is made, as for a first event; the log names the one it replaces. Its lease is taken
    // over this attempt's, so attempts racing here make one ticket.
    const ref = await create(system, deps, req, key, lease.version, r.origin);
    log.warn('ticket gone from the target; created a new one for the open finding', { ticket: ref.key ?? ref.id, replaced: r.ref.key ?? r.ref.id, reason: (e as Error).message });
    return { action: 'created', ref };
  }
  const ticket = r.ref.key ?? r.ref.id;
  if (reopen?.kind === 'final') {
    // Closed for good (read-only): as for a deleted ticket, the open finding needs one someone can work.
    const ref = await create(system, deps, req, key, lease.version, r.origin, { replaces: r.ref });
    log.warn('ticket closed for good in the target; created a new one for the reopened finding', { ticket: ref.key ?? ref.id, replaced: ticket, reason: reopen.reason });
    return { action: 'created', ref };
  }
  // Updated all the same: failing the event would send it and every later one of the finding to the dead letters.
  if (reopen?.kind === 'stays') log.warn('ticket of the reopened finding left in its closed status; updated', { ticket, reason: reopen.reason });
  if (reopen?.kind === 'reopened') log.info('ticket reopened: its finding was reported open again', { ticket, ...(reopen.status ? { status: reopen.status } : {}) });
  // Only a reopen call (it reads the status first) tells the ticket's status; a comment does not.
  await lease.done({ ...known(r, s.statusUnknown && reopen === undefined), resolved: false, ...times(r.resolvedAt, opens ? latest(r.openedAt, at) : r.openedAt), applied: applied(r, req.event.id) });
  return { action: reopen?.kind === 'reopened' ? 'reopened' : 'updated', ref: r.ref };
}

/**
 * Takes the lease for an action setting the ticket to `effect`, over the record the decision was
 * made from. The lease is written over the stored record, not the one decided from: a lapsed
 * action this attempt took as applied is not known to have happened, and this attempt may fail too.
 * Its `statusUnknown` is kept, so the status a lease replaced here could have set (a lapsed
 * resolve or reopen) is not forgotten when this lease lapses in turn. `acting` makes the action's
 * calls on the target, with a signal that aborts them just before the lease runs out
 * (ticket-abort.ts), so that no call of this attempt is still under way when another may act. A
 * failure, that abort included, leaves the lease lapsed (the target may have acted before it), so
 * the next attempt need not wait it out and does not trust the record's status. `done` writes the
 * outcome, which ends the lease, only over this lease.
 */
async function hold(s: Step, effect: Lease['effect'], at: number | undefined) {
  const version = randomUUID();
  const lease: Lease = { until: s.deps.clock.now() + leaseMs(s.req), eventId: s.req.event.id, effect, ...(at === undefined ? {} : { at }) };
  const base = known(s.stored, s.statusUnknown);
  await write(s.deps.store, s.key, { ...base, lease }, s.version, { newVersion: version });
  return {
    version,
    async acting<T>(calls: (opts: CallOptions) => Promise<T>): Promise<T> {
      const abort = leaseAbort(s.deps, lease.until, s.req.uid);
      try {
        return await calls({ signal: abort.signal });
      } catch (e) {
        // Only a failure that is not a gone ticket: that one goes on to a create over this lease.
        if (!isGone(e)) await s.deps.store.put(s.key, JSON.stringify({ ...base, lease: { ...lease, until: 0 } } satisfies Created), { ifVersion: version }).catch(() => false);
        throw e;
      } finally {
        abort.end();
      }
    },
    done: (outcome: Created) => write(s.deps.store, s.key, outcome, version),
  };
}
