import { keyInvalid } from '../../shared/objects/keys';

/**
 * Bucket and object names Cloud Storage refuses, or that the SDK's request URL would turn into
 * another resource, caught before any request: object_key_invalid (400, not retryable), where the
 * service's 400 would be a retryable object_storage_failed and a rewritten URL would quietly read
 * or delete something else. https://cloud.google.com/storage/docs/objects#naming,
 * https://cloud.google.com/storage/docs/buckets#naming
 *
 * - `.` or `..` as the whole name: @google-cloud/storage puts the name in one path segment
 *   (encodeURIComponent: `/` becomes %2F, dots stay) and the URL resolves dot segments, so a
 *   metadata read or delete of `..` in bucket `reports` went to /storage/v1/b/reports/, the
 *   bucket itself, and `.` to the object list. Dots inside a longer name stay in their segment
 *   (`a/../b` is sent as a%2F..%2Fb) and address that object, as the service names it.
 * - Carriage return and line feed, and names starting with `.well-known/acme-challenge/`, are
 *   refused by the service; a name is 1-1,024 bytes of UTF-8. A lone surrogate has no UTF-8 form
 *   (the SDK's encodeURIComponent throws a URIError on it).
 * - Buckets: 3-63 lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter
 *   or digit; with dots up to 222, each dot-separated part at most 63. The SDK puts the bucket in
 *   the path unencoded (/b/<bucket>/o/...), so `..`, `/`, `?` or `#` would address another
 *   resource, and it drops a `gs://` prefix and trailing slashes.
 */
export const MAX_OBJECT_NAME_BYTES = 1024;
const BUCKET = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const LONE_SURROGATE = /\p{Surrogate}/u;
const ACME = '.well-known/acme-challenge/';

export function checkBucket(bucket: string): void {
  const parts = bucket.split('.');
  const fits = bucket.length >= 3 && (parts.length === 1 ? bucket.length <= 63 : bucket.length <= 222 && parts.every((p) => p.length <= 63));
  if (!BUCKET.test(bucket) || !fits) {
    throw keyInvalid('bucket', bucket.slice(0, 80), 'not a Cloud Storage bucket name (3-63 lowercase letters, digits, -, _ and ., starting and ending with a letter or digit)');
  }
}

export function checkObjectName(bucket: string, key: string): void {
  checkBucket(bucket);
  if (key.length === 0) throw keyInvalid('key', key, 'empty');
  if (key === '.' || key === '..') throw keyInvalid('key', key, 'is . or .. (Cloud Storage refuses it; the request URL would address the bucket)');
  if (LONE_SURROGATE.test(key)) throw keyInvalid('key', key.slice(0, 80), 'is not well-formed Unicode (a lone surrogate has no UTF-8 form)');
  if (Buffer.byteLength(key, 'utf8') > MAX_OBJECT_NAME_BYTES) throw keyInvalid('key', key.slice(0, 80), `longer than ${MAX_OBJECT_NAME_BYTES} bytes of UTF-8`);
  if (/[\r\n]/.test(key)) throw keyInvalid('key', key, 'contains a carriage return or line feed');
  if (key.startsWith(ACME)) throw keyInvalid('key', key, `starts with ${ACME}`);
}
