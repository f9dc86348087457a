import { storageFailed } from '../../shared/objects/errors';
import { objectsUnavailable } from './unavailable';

/** How S3 object storage (objects-s3.ts) reads the SDK's errors and reports them. */

type S3Error = { name?: string; $metadata?: { httpStatusCode?: number } };
export const status = (e: unknown) => (e as S3Error)?.$metadata?.httpStatusCode;
const failure = (e: unknown) => ({ reason: (e as S3Error)?.name ?? 'Error', httpStatus: status(e) });
/** S3 unreachable (a 503 the caller may retry), else the service's refusal (object_storage_failed). */
export const failed = (op: string, bucket: string, key: string | undefined, e: unknown) =>
  objectsUnavailable(op, bucket, key, e) ?? storageFailed(op, bucket, key, failure(e));
