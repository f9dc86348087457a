import { ConnectorError, isConnectorError } from './errors';

/**
 * Calls that are not safe to repeat (a REST POST or PATCH without an idempotency key, a GraphQL
 * mutation) are never sent twice by the transport after a 5xx or a timeout. Their error must not
 * be retryable either, or the queue's redelivery would send the call again: a failure that may
 * have reached the vendor becomes final (`connector_outcome_unknown`), so the router keeps the
 * event as a dead letter for an operator to check and replay. Failures that certainly did not
 * reach it stay retryable: no connection made (refused, DNS, certificate), the circuit open, the
 * token endpoint failing before the call, and 408, 425 and 429, which say the request was not
 * processed (RFC 9110 section 15.5.9, RFC 8470 section 5.2, RFC 6585 section 4).
 */
export function mayHaveActed(e: ConnectorError): boolean {
  // The token endpoint's failures (auth/token-endpoint.ts) come before the call is sent.
  if (e.facts.grant !== undefined) return false;
  if (e.code === 'connector_unavailable') return (e.facts.vendorStatus ?? 0) >= 500;
  return (e.code === 'connector_timeout' || e.code === 'connector_unreachable') && e.facts.outcomeUnknown === true;
}

const why = (e: ConnectorError): string => {
  if (e.code === 'connector_unavailable') return `the vendor answered HTTP ${e.facts.vendorStatus}, which does not say whether it acted`;
  if (e.code === 'connector_timeout') return 'no answer came within the deadline';
  return `the connection failed after the request was sent (${String(e.facts.reason ?? 'unknown')})`;
};

/**
 * `e` unchanged unless the call is not idempotent and its retryable failure may have reached the
 * vendor; then the final error saying so. `fix` says how to declare repeats harmless; `call` names
 * the call (`the GraphQL mutation Flag`), by default its method and path.
 */
export function finalWhenUnsure(e: unknown, idempotent: boolean, fix: string, call?: string): unknown {
  if (idempotent || !isConnectorError(e) || !e.retryable || !mayHaveActed(e)) return e;
  const c = e.facts.connector;
  const what = call ?? `${e.facts.method} ${e.facts.path}`;
  return new ConnectorError('connector_outcome_unknown',
    `${c}: ${what} may have been applied (${why(e)}); not retried, since it is not idempotent and a repeat could act twice: `
    + `check ${c} for its effect before replaying the event (${fix})`,
    // Retry-After no longer applies: nothing retries this error.
    { ...e.facts, retryAfterMs: undefined, outcomeUnknown: true, failure: e.code },
    e);
}
