import { AppError, errors } from '../../shared/errors';
import { objectsUnavailable as sharedObjectsUnavailable } from '../../shared/objects/errors';
import { guardStore, storeUnavailable as sharedStoreUnavailable } from '../../shared/store/unavailable';

/*
 * Which Azure SDK failures mean "the service could not be reached or did not answer" (a retry may
 * succeed), named by a short fixed reason; the SDK's retries are already spent. An error with an
 * HTTP status is the service's answer (409, 412, 404, 403, 5xx) and stays as it is.
 */

/** Socket and DNS errors (RestError `code`, copied from Node's error by the HTTP client). */
const ERRNOS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'network timeout',
  ESOCKETTIMEDOUT: 'network timeout',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed',
  REQUEST_SEND_ERROR: 'request not sent',
};

export function azureNetworkReason(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, name, statusCode } = e as { code?: unknown; name?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number' && statusCode > 0) return undefined;
  // Our own deadlines (client-options.ts): withDeadline's, and the per-try timeout of the tables
  // client, which aborts the request. No other AbortSignal is passed to these clients.
  if (name === 'DeadlineError' || name === 'AbortError') return 'no response';
  return typeof code === 'string' ? ERRNOS[code] : undefined;
}

/** An unreachable state store as store_unavailable (shared/store/unavailable.ts); others unchanged. */
export const storeUnavailable = (store: string, op: string, e: unknown): unknown => sharedStoreUnavailable(store, op, e, azureNetworkReason);

/** Runs one store operation, turning an unreachable service into store_unavailable. */
export const guarded = <T>(store: string, op: string, run: () => Promise<T>): Promise<T> => guardStore(store, op, azureNetworkReason, run);

/** The event bus unreachable: `bus_unavailable` with the reason (errors.unavailable, as every bus). */
export function busUnavailable(what: string, e: unknown): AppError | undefined {
  const why = azureNetworkReason(e);
  return why === undefined ? undefined : errors.unavailable('bus_unavailable', `${what} (${why}); retry shortly`, e);
}

/** Object storage unreachable: object_storage_unavailable (shared/objects/errors.ts); undefined for other errors. */
export function objectsUnavailable(op: string, bucket: string, key: string | undefined, e: unknown): AppError | undefined {
  const why = azureNetworkReason(e);
  return why === undefined ? undefined : sharedObjectsUnavailable('Blob Storage', op, bucket, key, why, e);
}
