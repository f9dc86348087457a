import { type AppError, errors } from '../../shared/errors';
import { objectsUnavailable } from '../../shared/objects/errors';
import { guardStore, type NetworkReason, storeUnavailable } from '../../shared/store/unavailable';

/**
 * The typed errors of an unreachable service, for one cloud's network-error classification
 * (`reason`: providers/{aws,azure,gcp}/unavailable.ts). Only failures with no answer from the
 * service are mapped here; its own answers (a failed condition, 4xx) keep their errors. Throttling
 * or contention that outlasts the retries is mapped by the stores that know it (DynamoDB:
 * store-dynamodb-errors.ts, Firestore: store-firestore-bounds.ts).
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
