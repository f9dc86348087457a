import { AppError } from '../errors';
import type { TicketRequest } from './ticket-types';

/**
 * The leases of the one-ticket-per-finding protocol (tickets.ts): the `creating` lease of a create
 * and the lease a follow-up action (resolve, reopen, comment) holds on a `created` record, and the
 * `ticket_in_progress` failure of an event that finds one held, or loses a conditional write.
 */

/** How long a create or a follow-up action holds the finding (ServiceNow `leaseSeconds`, else 120 s). */
export const leaseMs = (req: Pick<TicketRequest, 'leaseSeconds'>) => (req.leaseSeconds ?? 120) * 1000;

/**
 * The shortest wait asked for: a redelivery sooner would find the lease (or the other attempt's
 * write) still under way. Also the wait after a lost conditional write: the other attempt has just
 * written, and a lease it took then is waited out at the next delivery.
 */
export const SHORT_WAIT_MS = 1000;
/** The longest: the longest lease accepted (ServiceNow `leaseSeconds` 3600); a later `until` is a clock's error. */
const LONGEST_WAIT_MS = 3_600_000;

/** The wait until a lease held to `until` has run out, within SHORT_WAIT_MS and LONGEST_WAIT_MS. */
export const leaseWaitMs = (until: number, now: number) => Math.min(LONGEST_WAIT_MS, Math.max(SHORT_WAIT_MS, until - now));

/**
 * Retryable, asking the queue to deliver the event again after `waitMs` (redeliveryDelayMs):
 * without it, a queue that redelivers at once (a Service Bus subscription, Pub/Sub) would spend
 * the message's receives while a create waits out a vendor's 429s, and dead-letter it.
 */
export const ticketInProgress = (message: string, waitMs: number) =>
  new AppError('ticket_in_progress', message, { status: 503, retryable: true, extra: { retryAfterMs: waitMs } });

/** A conditional write of the finding's record lost to another attempt's. */
export const lostWrite = () => ticketInProgress('Another attempt changed this finding\'s ticket record; retrying', SHORT_WAIT_MS);
