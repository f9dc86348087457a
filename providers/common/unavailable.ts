import { type AppError, errors } from '../../shared/errors';
import { objectsUnavailable } from '../../shared/objects/errors';
import { guardStore, type NetworkReason, storeUnavailable } from '../../shared/store/unavailable';

/**
 * Node's socket and DNS error codes (node:net, node:dns) and what each says of the path to a
 * service, as every cloud's SDK passes them on; each cloud adds its own (unavailable.ts there).
 * Entries, not a plain object: a code is the client's or the service's text, and `constructor`
 * is no errno.
 */
export const SOCKET_ERRNOS: readonly (readonly [string, string])[] = [
  ['ECONNREFUSED', 'connection refused'],
  ['ECONNRESET', 'connection reset'],
  ['EPIPE', 'connection reset'],
  ['ETIMEDOUT', 'network timeout'],
  ['ESOCKETTIMEDOUT', 'network timeout'],
  ['EHOSTUNREACH', 'host unreachable'],
  ['ENETUNREACH', 'network unreachable'],
  // A DNS failure of a cloud endpoint is the network's resolver or a transient lookup error.
  ['ENOTFOUND', 'DNS lookup failed'],
  ['EAI_AGAIN', 'DNS lookup failed'],
];

/**
 * The typed errors of an unreachable service, for one cloud's network-error classification
 * (`reason`: providers/{aws,azure,gcp}/unavailable.ts). Only failures with no answer from the
 * service are mapped here; its own answers (a failed condition, 4xx) keep their errors. Throttling
 * or contention that outlasts the retries, and the service's own 5xx answers, are mapped by the
 * stores that know them (DynamoDB: store-dynamodb-errors.ts, Azure Table Storage: azureStoreReason
 * in providers/azure/unavailable.ts, Firestore: store-firestore-bounds.ts).
 * - a state store: 503 `store_unavailable` (shared/store/unavailable.ts);
 * - the event bus: `bus_unavailable` with the reason, as every bus answers a failed publish;
 * - object storage: 503 `object_storage_unavailable` naming `backend` (shared/objects/errors.ts).
 */
export function unreachableErrors(reason: NetworkReason, backend: string) {
  return {
    /** store_unavailable for an unreachable store; any other error unchanged. */
    storeUnavailable: (store: string, op: string, e: unknown): unknown => storeUnavailable(store, op, e, reason),
    /** Runs one store operation, turning an unreachable service into store_unavailable. */
    guarded: <T>(store: string, op: string, run: () => Promise<T>): Promise<T> => guardStore(store, op, reason, run),
    busUnavailable(what: string, e: unknown): AppError | undefined {
      const why = reason(e);
      return why === undefined ? undefined : errors.unavailable('bus_unavailable', `${what} (${why}); retry shortly`, e);
    },
    objectsUnavailable(op: string, bucket: string, key: string | undefined, e: unknown): AppError | undefined {
      const why = reason(e);
      return why === undefined ? undefined : objectsUnavailable(backend, op, bucket, key, why, e);
    },
  };
}
