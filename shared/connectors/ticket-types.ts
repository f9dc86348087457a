import type { CloudEvent } from '../events/cloudevent';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { StateStore } from '../ports/store';
import type { LeaseTimer } from './ticket-abort';

/** The one-ticket-per-finding protocol's contract with ticket systems (its rules: tickets.ts). */
export interface TicketRef {
  id: string;
  /** Human key (SEC-123, INC0010001) and link, for logs and events. */
  key?: string;
  url?: string;
}

export type FindingTransition = 'created' | 'updated' | 'resolved';

/**
 * What reopen found: `reopened` (moved back to an open status, named in `status` when known),
 * `open` (not closed: nothing done), `stays` (closed, and the target offers no way to reopen it
 * from there: it is updated as it is, with a warning naming `reason`), `final` (closed for good,
 * read-only: the open finding gets a new ticket, as for a deleted one).
 */
export type ReopenResult = { kind: 'reopened'; status?: string } | { kind: 'open' } | { kind: 'stays' | 'final'; reason: string };

/**
 * What every call of a TicketSystem may be given. `signal`: the call is made under a lease
 * (ticket-abort.ts) and must stop when it aborts, passing it to every vendor request it makes
 * (Transport requests' `signal`); it then fails with the signal's reason.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface TicketSystem {
  /** The ticket carrying this finding uid in the target, if any (its label, property or correlation id). */
  findByUid(uid: string, opts?: CallOptions): Promise<TicketRef | undefined>;
  /** `replaces`: the finding's earlier ticket, closed for good, which the new one stands in for. */
  create(uid: string, event: CloudEvent, opts?: CallOptions & { replaces?: TicketRef }): Promise<TicketRef>;
  /** A later event of an open finding: a comment or a field update. */
  update(ref: TicketRef, event: CloudEvent, opts?: CallOptions): Promise<void>;
  /** The finding is resolved: transition or close the ticket. */
  resolve(ref: TicketRef, event: CloudEvent, opts?: CallOptions): Promise<void>;
  /**
   * The finding of a resolved ticket is open again: move the ticket back to an open status, if it
   * is closed. A target without this step is updated in whatever status it is.
   */
  reopen?(ref: TicketRef, event: CloudEvent, opts?: CallOptions): Promise<ReopenResult>;
}

export interface TicketDeps {
  store: StateStore;
  clock: Clock;
  logger: Logger;
  /** Counts events skipped as another origin's (`tickets.foreign_origin`, ticket-origin.ts), when given. */
  metrics?: Pick<Metrics, 'count'>;
  /** `deliveries.retentionDays`: how long a dead-lettered event may still be replayed (default 30). */
  config?: { deliveries?: { retentionDays?: number } };
  /** Arms the timer that aborts the calls made under a lease (ticket-abort.ts); default a real, unref'd one. */
  leaseTimer?: LeaseTimer;
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
  | { action: 'created' | 'updated' | 'reopened' | 'resolved' | 'adopted'; ref: TicketRef }
  | { action: 'skipped'; reason: string; ref?: TicketRef };
