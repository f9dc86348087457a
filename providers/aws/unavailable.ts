import { SOCKET_ERRNOS, unreachableErrors } from '../common/unavailable';

/*
 * Which AWS SDK failures mean "the service could not be reached or did not answer" (a retry may
 * succeed), named by a short fixed reason: the SDK's retries are already spent when one reaches
 * us. An error that carries an HTTP status is the service's answer (conditional check failed,
 * validation, throttling, access denied, 5xx) and stays as it is.
 */

/** Socket and DNS errors from Node (node:net, node:dns), as the SDK passes them on. A Map: `constructor` is no errno. */
const ERRNOS: ReadonlyMap<string, string> = new Map(SOCKET_ERRNOS);
/** TimeoutErrors of @smithy/node-http-handler (set-connection-timeout, set-socket-timeout). */
const TIMEOUTS: [RegExp, string][] = [
  [/did not establish a connection/, 'connect timeout'],
  [/timed out after \d+ ms of inactivity/, 'no response'],
];

export function awsNetworkReason(e: unknown, depth = 0): string | undefined {
  // Duck-typed, not `instanceof Error`: socket errors are made by Node's core, whose Error can be
  // another realm's (a vm context, as under jest).
  if (typeof e !== 'object' || e === null || depth > 3) return undefined;
  const { code, name, message, errors: all, $metadata } = e as {
    code?: unknown; name?: unknown; message?: unknown; errors?: unknown; $metadata?: { httpStatusCode?: number };
  };
  if ($metadata?.httpStatusCode) return undefined;
  const errno = typeof code === 'string' ? ERRNOS.get(code) : undefined;
  if (errno) return errno;
  // The SDK's retry middleware replaces a thrown value that is not an Error of its own realm with
  // `new Error("AWS SDK error wrapper for " + value)` (@smithy/core retry, asSdkError), keeping only
  // the text; Node's socket errors are such values under jest's vm realm.
  const wrapped = typeof message === 'string' ? /^AWS SDK error wrapper for .*?\b(E[A-Z_]+)\b/.exec(message) : null;
  const wrappedErrno = wrapped ? ERRNOS.get(wrapped[1]!) : undefined;
  if (wrappedErrno) return wrappedErrno;
  if (name === 'TimeoutError') return TIMEOUTS.find(([re]) => re.test(String(message)))?.[1] ?? 'timeout';
  // Node's happy-eyeballs connect reports every address it tried in one AggregateError.
  if (Array.isArray(all)) return all.map((x) => awsNetworkReason(x, depth + 1)).find((r) => r !== undefined);
  return undefined;
}

/** The typed errors of an unreachable service (providers/common/unavailable.ts). */
export const { storeUnavailable, guarded, busUnavailable, objectsUnavailable } = unreachableErrors(awsNetworkReason, 'S3');
