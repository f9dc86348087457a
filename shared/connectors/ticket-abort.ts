import { AppError } from '../errors';
import type { Clock } from '../ports/clock';
import { leaseWaitMs } from './ticket-lease';
import type { Transport, TransportRequest } from './types';

/**
 * The vendor calls of the one-ticket-per-finding protocol (tickets.ts) are made under a lease: the
 * `creating` lease of a create (ticket-create.ts), the lease of a follow-up action
 * (ticket-follow.ts). Once it runs out another attempt may act on the finding, so a call still
 * under way then (waiting out the vendor's 429s, a slow answer) is aborted just before, through
 * the signal the ticket system passes down to every transport request (withSignal).
 */

/** Arms a one-shot timer of `ms`; the function returned disarms it. Injected (TicketDeps.leaseTimer) so tests fire it by hand. */
export type LeaseTimer = (ms: number, fire: () => void) => () => void;

/**
 * How long before the lease's end its calls are aborted: the abort, and the lapsed lease the
 * failed action writes, land before another attempt may take the finding over.
 */
export const ABORT_MARGIN_MS = 2000;
/** setTimeout's longest delay; a lease is at most an hour (ServiceNow `leaseSeconds`). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A real timer that never keeps the process alive (a test run, a function's event loop). */
export const realLeaseTimer: LeaseTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** The reason a call under a lease is aborted with: retryable, delivered again once the lease has run out. */
export const leaseRanOut = (uid: string, waitMs: number) =>
  new AppError('ticket_lease_expired', `The lease on the ticket of finding ${uid} ran out while a call to the ticket system was under way; the call was aborted so that another attempt may act, and the event is to be delivered again`, {
    status: 503, retryable: true, expose: false, extra: { retryAfterMs: waitMs },
  });

export interface LeaseAbort {
  /** Aborts ABORT_MARGIN_MS before `until`, with leaseRanOut as its reason. */
  signal: AbortSignal;
  /** The action is over: disarms the timer. */
  end(): void;
}

/** A signal for the calls made under a lease held to `until` (epoch ms of the injected clock). */
export function leaseAbort(deps: { clock: Clock; leaseTimer?: LeaseTimer }, until: number, uid: string): LeaseAbort {
  const controller = new AbortController();
  const ms = Math.min(MAX_TIMER_MS, Math.max(0, until - ABORT_MARGIN_MS - deps.clock.now()));
  const disarm = (deps.leaseTimer ?? realLeaseTimer)(ms, () => controller.abort(leaseRanOut(uid, leaseWaitMs(until, deps.clock.now()))));
  return { signal: controller.signal, end: disarm };
}

/** `t`, with `signal` added to every request (alongside a request's own); `t` itself without one. */
export function withSignal(t: Transport, signal: AbortSignal | undefined): Transport {
  if (!signal) return t;
  const signalled = (req: TransportRequest): TransportRequest => ({ ...req, signal: req.signal ? AbortSignal.any([req.signal, signal]) : signal });
  return {
    name: t.name,
    baseUrl: t.baseUrl,
    request: <T>(req: TransportRequest) => t.request<T>(signalled(req)),
    check: () => t.check(),
  };
}
