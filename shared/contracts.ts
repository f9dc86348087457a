import type { Deps } from './ports';

/**
 * The three portable handler shapes. Adapters in providers/ turn a cloud's trigger into one of
 * these inputs and the output back into the cloud's response form.
 */

/** HTTP capability: Web standard Request/Response, built from the raw body bytes. */
export type HttpHandler = (req: Request, deps: Deps) => Promise<Response>;

/** One message from a queue, topic or storage notification. */
export interface InboundRecord {
  /** The platform's message id, used to report partial failures. */
  id: string;
  /** The message body as text; bytes that are not UTF-8 text arrive base64 encoded (bodyEncoding). */
  body: string;
  /**
   * 'base64' when `body` is the base64 of message bytes that are not UTF-8 text; absent when it is
   * the text itself. Whoever keeps the body (a dead letter) must keep those bytes, not this text.
   */
  bodyEncoding?: 'base64';
  attributes: Record<string, string>;
  /** How many times the platform has delivered this message, when it says. */
  receiveCount?: number;
  /**
   * How many receives the platform allows before its own dead-letter queue takes the message, when
   * the adapter knows (counted as receiveCount is). A record failing at that receive would end in a
   * queue nobody can list or replay through the API: the event router keeps it as an inbound dead
   * letter instead. Other record handlers ignore it.
   */
  maxReceives?: number;
  /**
   * The shortest wait (ms) a failure may ask for (redeliveryDelayMs) that the adapter serves by
   * sending the message back to its queue, delayed, instead of failing it, even at its last receive
   * (the Azure router triggers' deferral, providers/azure/router-deferral*.ts): such a failure does
   * not end the message's receives. Absent where a wait is not served that way.
   */
  minDeferredWaitMs?: number;
  /**
   * When the platform ends the invocation handling this record (epoch ms), when it says (a
   * Lambda's timeout): work claimed for this record cannot go on past it.
   */
  deadline?: number;
}

/** Record capability: handles exactly one record; throwing fails only that record. */
export type RecordHandler = (record: InboundRecord, deps: Deps) => Promise<void>;

/** The longest redelivery delay a failed record may ask for (SQS allows 12 h; a wait that long is a misreading). */
export const MAX_REDELIVERY_DELAY_MS = 15 * 60_000;

/**
 * The wait a failed record asks for before it is delivered again: the `retryAfterMs` the thrown
 * error carries in `extra` (an AppError's; a ConnectorError keeps its facts there: a vendor's
 * Retry-After, a circuit breaker still open), at most MAX_REDELIVERY_DELAY_MS. Adapters whose
 * queue can delay one message make it visible again no earlier than that (and no earlier than it
 * would have been anyway); the others redeliver at their platform's own pace.
 */
export function redeliveryDelayMs(error: unknown): number | undefined {
  const ms = (error as { extra?: { retryAfterMs?: unknown } } | null | undefined)?.extra?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? Math.min(Math.ceil(ms), MAX_REDELIVERY_DELAY_MS) : undefined;
}

/** A schedule firing. */
export interface Tick {
  /** Schedule name from the configuration or the platform. */
  name: string;
  /** Epoch ms at which the platform scheduled this firing. */
  scheduledAt: number;
  /**
   * Epoch ms (the deps clock) at which the platform ends this run, where it does (a function
   * timeout): a handler with a queue of work stops taking more in time to finish what it holds.
   */
  deadline?: number;
}

export interface ScheduleReport {
  name: string;
  ok: boolean;
  details?: Record<string, unknown>;
}

export type ScheduledHandler = (tick: Tick, deps: Deps) => Promise<ScheduleReport>;
