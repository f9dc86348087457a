import { AppError } from '../errors';

/**
 * What a store SDK threw, reduced to safe facts: an error name or code and an HTTP status. SDK
 * messages are left out on purpose: they can carry request URLs, and a SAS URL carries its
 * signature in the query string.
 */
export interface StorageFailure {
  reason?: string;
  httpStatus?: number;
}

/**
 * Any store failure other than not-found (and other than an ifAbsent conflict): a 502 the caller
 * may retry. The message names bucket and key so an operator can find the object; never the
 * endpoint, account key or token.
 */
export function storageFailed(op: string, bucket: string, key: string | undefined, failure: StorageFailure): AppError {
  const where = key === undefined ? bucket : `${bucket}/${key}`;
  const why = failure.reason ? ` (${failure.reason}${failure.httpStatus ? ` ${failure.httpStatus}` : ''})` : '';
  return new AppError('object_storage_failed', `Object storage ${op} failed for ${where}${why}`, {
    status: 502,
    retryable: true,
    expose: false,
    extra: { bucket, ...(key === undefined ? {} : { key }), ...failure },
  });
}

/**
 * The object store could not be reached (`why`: a fixed reason from the provider's network error
 * classification): a retryable 503 `object_storage_unavailable`, beside the 502 above for the
 * service's own refusals. Unexposed like that one: it names bucket and key, for operators; no
 * HTTP route reads objects directly.
 */
export function objectsUnavailable(backend: string, op: string, bucket: string, key: string | undefined, why: string, cause: unknown): AppError {
  const where = key === undefined ? bucket : `${bucket}/${key}`;
  return new AppError('object_storage_unavailable', `Object storage ${op} failed for ${where}: ${backend} unreachable (${why})`, {
    status: 503, retryable: true, expose: false, extra: { bucket, ...(key === undefined ? {} : { key }), reason: why }, cause,
  });
}
