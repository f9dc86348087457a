import type { TicketDeps, TicketOutcome, TicketRequest } from './ticket-types';

/** The events of a finding the protocol (tickets.ts) acknowledges without acting on its ticket, and why. */
export const NO_TICKET = 'resolved before any ticket was made';
const OLDER = 'older than the finding\'s resolve';
const UNKNOWN_STATUS = 'the finding was resolved, and this event does not say it is open again (status unknown)';
export const OLDER_RESOLVE = 'older than the finding\'s latest open event';

/** A created or updated event dated at or before the finding's resolve: acknowledged, nothing done. */
export function older(deps: TicketDeps, req: TicketRequest, at: number, resolvedAt: number): TicketOutcome {
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
export const reportsNothingOpen = (req: TicketRequest) =>
  req.transition === 'updated' && (req.event.data as { status_id?: unknown } | null | undefined)?.status_id === 0;

/** An updated event of a resolved finding that does not say it is open again: acknowledged, nothing done. */
export function unknownStatus(deps: TicketDeps, req: TicketRequest): TicketOutcome {
  deps.logger.child({ destination: req.destination, uid: req.uid, eventId: req.event.id })
    .info('finding event of unknown status after the finding\'s resolve; acknowledged without reopening or making a ticket', { transition: req.transition });
  return { action: 'skipped', reason: UNKNOWN_STATUS };
}
