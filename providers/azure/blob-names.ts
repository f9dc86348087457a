import { keyInvalid } from '../../shared/objects/keys';

/**
 * Container and blob names Blob Storage would address as another container or blob, or refuse,
 * caught before any request: object_key_invalid (400, not retryable), where the service's 400 would
 * be a retryable object_storage_failed and a rewritten name would quietly read or write elsewhere.
 * https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata
 *
 * - A `.` or `..` segment: the SDK puts the name in a URL path segment by segment
 *   (encodeURIComponent leaves dots alone) and the URL parser resolves dot segments, so
 *   `../other/x` in container `reports` is blob `x` of container `other`.
 * - A segment ending in a dot: the service drops a trailing dot ("avoid blob names that end with a
 *   dot"; "no path segments should end with a dot"), so `x.` would be blob `x`.
 * - A backslash: the SDK and the service take it for `/`, so `a\b` would be blob `a/b`.
 * - Control characters are not allowed; a name holds 1,024 characters at most (counted here in
 *   code points, the smallest count, so no name the service takes is refused).
 * - Containers: 3-63 lowercase letters, digits and single dashes between them, or a system
 *   container ($root, $web, $logs).
 */
const CONTAINER = /^(?:\$root|\$web|\$logs|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;
export const MAX_BLOB_NAME_CHARS = 1024;
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkContainer(bucket: string): void {
  if (!CONTAINER.test(bucket)) throw keyInvalid('bucket', bucket, 'not a Blob Storage container name (3-63 lowercase letters, digits and single dashes)');
}

export function checkBlobName(bucket: string, key: string): void {
  checkContainer(bucket);
  if (key.length === 0) throw keyInvalid('key', key, 'empty');
  if ([...key].length > MAX_BLOB_NAME_CHARS) throw keyInvalid('key', key.slice(0, 80), `longer than ${MAX_BLOB_NAME_CHARS} characters`);
  if (key.includes('\\')) throw keyInvalid('key', key, 'contains a backslash (Blob Storage reads it as /)');
  if (CONTROL.test(key)) throw keyInvalid('key', key, 'contains a control character');
  if (key.split('/').some((s) => s.endsWith('.'))) throw keyInvalid('key', key, 'has a segment ending in a dot (., .. or a trailing dot: Blob Storage would address another blob)');
}
