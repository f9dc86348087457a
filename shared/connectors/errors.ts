import { AppError } from '../errors';

/**
 * Typed connector errors. Each message names the connector and says what to fix; `extra` carries
 * the facts an operator needs (vendor status, request path without its query, the vendor's own
 * message, its request id for a support ticket) and a truncated, scrubbed body. Never a request
 * header, never a credential: callers pass text through the transport's scrubber first.
 *
 * `status` is what our own API would answer if the error reached a caller: 502 for a vendor's
 * refusal, 503 while it is unavailable or limiting us, 504 on a timeout. The vendor's status is
 * `extra.vendorStatus`. Messages can quote vendor text, so none is exposed to API callers; they
 * surface in logs, dead letters and the delivery log.
 */
export type ConnectorErrorCode =
  | 'connector_auth_failed'
  | 'connector_forbidden'
  | 'connector_not_found'
  | 'connector_rejected'
  | 'connector_rate_limited'
  | 'connector_unavailable'
  | 'connector_timeout'
  | 'connector_unreachable'
  | 'connector_circuit_open'
  | 'connector_bad_response'
  | 'connector_invalid_request'
  | 'connector_link_refused'
  | 'connector_sync_reset'
  /** A call that is not safe to repeat failed after it may have reached the vendor (outcome.ts): final. */
  | 'connector_outcome_unknown';

export interface ConnectorErrorFacts {
  connector: string;
  method?: string;
  /** Path without query string: query values can be personal data or, for some vendors, keys. */
  path?: string;
  vendorStatus?: number;
  vendorMessage?: string;
  body?: string;
  requestId?: string;
  retryAfterMs?: number;
  /**
   * The request may have been applied (a timeout, or a connection lost, after sending): search
   * before repeating a create. Set on fetch failures of writes (failures.ts); read by outcome.ts.
   */
  outcomeUnknown?: boolean;
  /** Anything else worth recording; never secrets. */
  [key: string]: unknown;
}

const RETRYABLE: ReadonlySet<ConnectorErrorCode> = new Set([
  'connector_rate_limited', 'connector_unavailable', 'connector_timeout', 'connector_unreachable', 'connector_circuit_open',
]);

const STATUS: Partial<Record<ConnectorErrorCode, number>> = {
  connector_rate_limited: 503,
  connector_unavailable: 503,
  connector_circuit_open: 503,
  connector_timeout: 504,
  connector_invalid_request: 500,
};

export class ConnectorError extends AppError {
  declare readonly code: ConnectorErrorCode;
  readonly facts: ConnectorErrorFacts;

  constructor(code: ConnectorErrorCode, message: string, facts: ConnectorErrorFacts, cause?: unknown) {
    const extra = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
    const retryAfter = facts.retryAfterMs === undefined ? undefined : String(Math.ceil(facts.retryAfterMs / 1000));
    super(code, message, {
      status: STATUS[code] ?? 502,
      retryable: RETRYABLE.has(code),
      expose: false,
      extra,
      headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
      cause,
    });
    this.name = 'ConnectorError';
    this.facts = facts;
  }

  /** Epoch-independent hint for the caller's queue: wait at least this long before trying again. */
  get retryAfterMs(): number | undefined {
    return this.facts.retryAfterMs;
  }
}

export const isConnectorError = (e: unknown): e is ConnectorError => e instanceof ConnectorError;
