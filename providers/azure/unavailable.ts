import { SOCKET_ERRNOS, unreachableErrors } from '../common/unavailable';

/*
 * Which Azure SDK failures mean "the service could not be reached or did not answer" (a retry may
 * succeed), named by a short fixed reason; the SDK's retries are already spent. An error with an
 * HTTP status is the service's answer (409, 412, 404, 403, 5xx) and stays as it is.
 */

/** Socket and DNS errors (RestError `code`, copied from Node's error by the HTTP client). A Map: `constructor` is no errno. */
const ERRNOS: ReadonlyMap<string, string> = new Map([...SOCKET_ERRNOS, ['REQUEST_SEND_ERROR', 'request not sent']]);

export function azureNetworkReason(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, name, statusCode } = e as { code?: unknown; name?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number' && statusCode > 0) return undefined;
  // Our own deadlines (client-options.ts): withDeadline's, and the per-try timeout of the tables
  // client, which aborts the request. No other AbortSignal is passed to these clients.
  if (name === 'DeadlineError' || name === 'AbortError') return 'no response';
  return typeof code === 'string' ? ERRNOS.get(code) : undefined;
}

/** The typed errors of an unreachable service (providers/common/unavailable.ts). */
export const { storeUnavailable, guarded, busUnavailable, objectsUnavailable } = unreachableErrors(azureNetworkReason, 'Blob Storage');
