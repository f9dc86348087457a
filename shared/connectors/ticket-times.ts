import { type CloudEvent, timeMs } from '../events/cloudevent';
import type { TicketDeps } from './ticket-types';

/** The times the one-ticket-per-finding protocol (tickets.ts) orders a finding's events by. */

/**
 * When the finding activity of an event happened, epoch ms: its CloudEvent `time`, else the OCSF
 * finding's `time` (an event published without one). The mappers set both to the sender's own
 * time of the activity (GitHub's created_at, fixed_at or updated_at, an ASFF UpdatedAt, a report's
 * time for the finding), or to when the webhook or report was received when the sender gives none;
 * a dead letter's replay keeps them. Undefined when the event carries neither.
 */
export function findingEventTime(event: CloudEvent): number | undefined {
  const own = typeof event.time === 'string' ? timeMs(event.time) : Number.NaN;
  if (Number.isFinite(own)) return own;
  const ocsf = (event.data as { time?: unknown } | null | undefined)?.time;
  // Within what a Date can hold, as Date.parse's results are.
  return typeof ocsf === 'number' && Math.abs(ocsf) <= 8.64e15 ? ocsf : undefined;
}

/** Dated at or before the resolve: an event of the finding's life before it was resolved. */
export const olderThan = (at: number | undefined, resolvedAt: number | undefined) => at !== undefined && resolvedAt !== undefined && at <= resolvedAt;
export const latest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
/** Dated after the resolve: the finding open again. Unknown either way (no time, an old record): not. */
export const newerThan = (at: number | undefined, resolvedAt: number | undefined) => at !== undefined && resolvedAt !== undefined && at > resolvedAt;

/**
 * How long the record of a finding resolved before any ticket is kept: as long as an older event
 * of it may still arrive. A queue keeps a message up to 14 days (SQS at most; Pub/Sub and Service
 * Bus 7 by default), and an event the destinations refused is kept as a dead letter, replayable,
 * for `deliveries.retentionDays` more. Keeping it longer would only hold state: it never stops a
 * newer event.
 */
const QUEUE_RETENTION_DAYS = 14;
export const markerTtlSeconds = (deps: Pick<TicketDeps, 'config'>) => (QUEUE_RETENTION_DAYS + (deps.config?.deliveries?.retentionDays ?? 30)) * 86_400;
