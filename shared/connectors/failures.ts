import { isAppError } from '../errors';
import { abortedBeforeSending } from '../http/egress';
import { deniedCause } from '../http/egress-agent';
import { ConnectorError, type ConnectorErrorFacts } from './errors';

/**
 * What a thrown fetch means. The egress guard's refusal passes unchanged (a policy decision, not
 * retryable); the caller's own abort passes unchanged (nobody is waiting for an answer); the
 * attempt's deadline becomes connector_timeout; anything else is a network failure. A write whose
 * request may have reached the vendor says so (`outcomeUnknown`), for callers that must not repeat it.
 */
function systemCode(e: unknown): string {
  for (let c = e as { code?: unknown; cause?: unknown } | undefined, i = 0; c && i < 5; c = c.cause as typeof c, i++) {
    if (typeof c.code === 'string' && c.code !== 'UND_ERR_SOCKET') return c.code;
  }
  return 'unknown';
}

/**
 * Failures that come before any byte of the request leaves: name resolution, connecting, the
 * server's certificate. Anything else (a reset, the other side closing, an unknown cause) may
 * come after the vendor read the request, so a write's outcome is unknown.
 */
const BEFORE_SENDING = /^(?:ENOTFOUND|EAI_[A-Z]+|ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|EHOSTDOWN|ENETDOWN|EADDRNOTAVAIL|UND_ERR_CONNECT_TIMEOUT|ERR_TLS_CERT_ALTNAME_INVALID|CERT_[A-Z_]+|[A-Z_]*SELF_SIGNED_CERT[A-Z_]*|UNABLE_TO_[A-Z_]+)$/;

const isWrite = (method: string | undefined) => method !== 'GET' && method !== 'HEAD';

/** `sent`: the signal the request was made with (the deadline's, or it combined with the caller's). */
export function fetchFailure(e: unknown, facts: ConnectorErrorFacts, deadline: AbortSignal, caller?: AbortSignal, sent: AbortSignal = deadline): unknown {
  const denied = deniedCause(e);
  if (denied) return denied;
  if (caller?.aborted) return caller.reason ?? e;
  if (isAppError(e)) return e;
  const { connector, method, path } = facts;
  if (deadline.aborted) {
    // A deadline that ran out while the egress guard was still resolving the host sent nothing.
    return new ConnectorError('connector_timeout', `${connector}: ${method} ${path} timed out; ${connector} is slow or unreachable, retry later`, {
      ...facts, outcomeUnknown: isWrite(method) && !abortedBeforeSending(sent),
    });
  }
  const reason = systemCode(e);
  // The cause is kept for the log (its text names a system error, not a credential).
  return new ConnectorError('connector_unreachable', `${connector}: ${method} ${path} failed to connect (${reason}); check the baseUrl and the network path to ${connector}`, {
    ...facts, reason, ...(isWrite(method) && !BEFORE_SENDING.test(reason) ? { outcomeUnknown: true } : {}),
  }, e);
}
