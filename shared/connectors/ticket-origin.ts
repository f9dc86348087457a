import type { CloudEvent } from '../events/cloudevent';
import type { TicketDeps, TicketOutcome, TicketRef, TicketRequest } from './ticket-types';

/**
 * Whose a finding's ticket is, for the one-ticket-per-finding protocol (tickets.ts). Any sender
 * of a tenant can name any finding uid: an API key with `events:write`, a webhook source trusted
 * less than the scanner that reported the finding. So the ticket records keep the `origin` of the
 * event that wrote the finding's first record (`webhook:<source>`, `api:<key id>`, ...: stamped
 * by the server, never set by a client), every later record of the finding keeps it, and an event
 * of another origin changes nothing: no create, comment, resolve, reopen or record written. It is
 * acknowledged, not failed: a retry would be refused the same way.
 *
 * Records written before origins were kept carry none, and stay open to every origin as they were:
 * tickets open at an upgrade go on being updated and resolved by the source that opened them,
 * which cannot be told now. Nor does the first event after the upgrade take such a record over
 * (records made from it carry no origin either): whoever sent first, a stray API client as much
 * as the scanner, would own the ticket from then on and lock its real source out.
 *
 * An event without an origin (the server stamps one on every event it publishes; an event queued
 * by an older version, or one built by a test, may have none) is one of no known origin: it acts
 * only on records without one, and a record it writes first carries none, open to every origin as
 * a record from before the upgrade is. Treating it as any origin instead would let it act on every
 * owned ticket.
 */
const FOREIGN_ORIGIN = 'ticket of another origin';

/** The server-stamped origin of an event, undefined when it carries none (or one that is not text). */
export const originOf = (event: CloudEvent): string | undefined => (typeof event.origin === 'string' ? event.origin : undefined);

/** The record is another origin's: it names one, and not this event's. */
export const foreignTo = (recordOrigin: string | undefined, event: CloudEvent): recordOrigin is string => recordOrigin !== undefined && recordOrigin !== originOf(event);

/** The `origin` field of a record written for `origin`: none when it is undefined. */
export const originField = (origin: string | undefined) => (origin === undefined ? {} : { origin });

/**
 * The outcome of an event of another origin, with one warning naming the destination, tenant,
 * both origins and the ticket (none for a finding with no ticket yet). Nothing of the event beyond
 * its origin is logged: its data is the other sender's text.
 */
export function foreignOrigin(deps: TicketDeps, req: TicketRequest, ticketOrigin: string, ref: TicketRef | undefined): TicketOutcome {
  deps.logger.warn('finding event of another origin than the one that opened the ticket; acknowledged without acting on it', {
    destination: req.destination, tenant: req.tenant, origin: originOf(req.event) ?? null, ticketOrigin, ...(ref ? { ticket: ref.key ?? ref.id } : {}),
  });
  deps.metrics?.count('tickets.foreign_origin', 1, { destination: req.destination });
  return { action: 'skipped', reason: FOREIGN_ORIGIN, ...(ref ? { ref } : {}) };
}
