import { guardStore } from '../../shared/store/unavailable';
import { SOCKET_ERRNOS, unreachableErrors } from '../common/unavailable';

/*
 * Which Azure SDK failures mean "the service could not be reached or did not answer" (a retry may
 * succeed), named by a short fixed reason; the SDK's retries are already spent. An error with an
 * HTTP status is the service's answer (409, 412, 404, 403, 5xx) and stays as it is, except for
 * the state store (azureStoreReason), which also takes the service's "busy, try again" answers.
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

/** A Table Storage write answered 409/412 after a try the SDK retried that may have been applied (no answer, a 5xx other than ServerBusy: store-table-resend.ts). */
export class TableOutcomeUnknown extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super('A write the SDK resent may have been applied; the entity has changed since', options);
    this.name = 'TableOutcomeUnknown';
  }
}

/**
 * Why a Table Storage failure is "unavailable" (a 503 `store_unavailable` with Retry-After), else
 * undefined: the service out of reach (azureNetworkReason), a write whose outcome cannot be told
 * (TableOutcomeUnknown), and the answers the SDK's retry policy retries (408, 5xx but 501 and
 * 505; core-rest-pipeline exponentialRetryStrategy) once its tries are spent: `503 ServerBusy`,
 * Table Storage's throttling ("over the account limit", "partition too busy"), `500
 * OperationTimedOut` and `500 InternalError`, which Azure documents as retryable; and 429, the
 * throttling of the Cosmos DB Table API that the same SDK talks to. Left alone they reach a
 * caller as a raw RestError, a generic 500, and the webhook rate limiter lets requests through
 * unmetered. The service's refusals (404, 409, 412, 400, 403, 413) keep their errors.
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes
 * https://learn.microsoft.com/azure/storage/tables/scalability-targets
 */
export function azureStoreReason(e: unknown): string | undefined {
  if (e instanceof TableOutcomeUnknown) return 'commit outcome unknown';
  const network = azureNetworkReason(e);
  if (network !== undefined || typeof e !== 'object' || e === null) return network;
  const { statusCode: status, code, details } = e as { statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown } };
  if (typeof status !== 'number') return undefined;
  const errorCode = code ?? details?.errorCode;
  if (status === 429 || errorCode === 'ServerBusy') return 'throttled';
  if (status === 408 || status === 504 || errorCode === 'OperationTimedOut') return 'server timeout';
  if (status >= 500 && status !== 501 && status !== 505) return 'server error';
  return undefined;
}

/** Runs one state store operation, turning an unreachable, busy or failing service into store_unavailable. */
export const guardedStore = <T>(store: string, op: string, run: () => Promise<T>): Promise<T> => guardStore(store, op, azureStoreReason, run);

/** The typed errors of an unreachable service (providers/common/unavailable.ts). */
export const { storeUnavailable, guarded, busUnavailable, objectsUnavailable } = unreachableErrors(azureNetworkReason, 'Blob Storage');
