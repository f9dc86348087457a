import { SOCKET_ERRNOS, unreachableErrors } from '../common/unavailable';

/*
 * Which Google Cloud client failures mean "the service could not be reached or did not answer"
 * (a retry may succeed), named by a short fixed reason; the clients' retries are already spent.
 * gRPC clients (Firestore, Pub/Sub, KMS, ...) report these as UNAVAILABLE (14) or
 * DEADLINE_EXCEEDED (4), gax's "Total timeout ... exceeded" included, with the socket error in the
 * text; Cloud Storage (HTTP) as the socket error's code or a request timeout. Any other gRPC code
 * (ABORTED, FAILED_PRECONDITION, ALREADY_EXISTS, NOT_FOUND, PERMISSION_DENIED, ...) and any HTTP
 * status (404, 412, 429, 5xx) is the service's answer and stays as it is.
 * https://grpc.github.io/grpc/core/md_doc_statuscodes.html
 * ERRNOS is a Map: a code is the client's or the service's text, and `constructor` is no errno.
 */
const ERRNOS: ReadonlyMap<string, string> = new Map(SOCKET_ERRNOS);
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

/** The first errno named in a text (grpc-js: "No connection established. Last error: connect ECONNREFUSED ..."). */
const errnoIn = (text: string) => [...ERRNOS].find(([errno]) => new RegExp(`\\b${errno}\\b`).test(text))?.[1];

export function gcpNetworkReason(e: unknown): string | undefined {
  // Duck-typed: socket errors come from Node's core, possibly another realm's Error (jest's vm).
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, name, message, type } = e as { code?: unknown; name?: unknown; message?: unknown; type?: unknown };
  const text = typeof message === 'string' ? message : '';
  // Our own operation deadline (client-options.ts withDeadline).
  if (code === UNAVAILABLE) return errnoIn(text) ?? 'service unavailable';
  if (code === DEADLINE_EXCEEDED) return errnoIn(text) ?? 'no response';
  const errno = typeof code === 'string' ? ERRNOS.get(code) : undefined;
  if (errno) return errno;
  // Cloud Storage's HTTP stack: node-fetch's FetchError "network timeout" (type request-timeout),
  // gaxios' timeout (an AbortError, or a GaxiosError with the code of its cause).
  if (type === 'request-timeout' || name === 'AbortError' || name === 'TimeoutError') return 'no response';
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return undefined;
  const cause = (e as { cause?: unknown }).cause;
  return cause !== e && typeof cause === 'object' && cause !== null && typeof code !== 'number' ? gcpNetworkReason(cause) : undefined;
}

/** The typed errors of an unreachable service (providers/common/unavailable.ts). */
export const { storeUnavailable, guarded, busUnavailable, objectsUnavailable } = unreachableErrors(gcpNetworkReason, 'Cloud Storage');
