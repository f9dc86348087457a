import { keyInvalid } from '../../shared/objects/keys';

/**
 * Keys and buckets a request would not address as given, or that S3 refuses, caught before any
 * request: object_key_invalid (400, not retryable), where S3's 400 would be a retryable
 * object_storage_failed and a request to the bucket itself would act on the bucket.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 * - An empty key: the path is /<bucket>/, the bucket: PutObject became a CreateBucket request
 *   (fauxqs answered it 200, nothing written), GetObject a listing of the bucket (its XML read as
 *   the object's bytes), DeleteObject a DeleteBucket.
 * - Over 1,024 bytes of UTF-8: KeyTooLongError. A lone surrogate has no UTF-8 form (the SDK's
 *   encodeURIComponent throws a URIError on it).
 * - A bucket `.` or `..`: the SDK's endpoint URL resolves it away (key `x` in bucket `..` is
 *   GET /x). Other bucket names are left to the SDK and S3 (legacy names, access point ARNs).
 * Dot segments, trailing dots and backslashes inside a key are kept: the SDK sends the path as it
 * is, and S3 signs and addresses it without normalising it, so `a/../b` is that object.
 */
const MAX_KEY_BYTES = 1024;
const LONE_SURROGATE = /\p{Surrogate}/u;

export function checkBucket(bucket: string): void {
  if (bucket === '' || bucket === '.' || bucket === '..') throw keyInvalid('bucket', bucket, 'not an S3 bucket name');
}

export function checkKey(bucket: string, key: string): void {
  checkBucket(bucket);
  if (key.length === 0) throw keyInvalid('key', key, 'empty (the request would address the bucket)');
  if (LONE_SURROGATE.test(key)) throw keyInvalid('key', key.slice(0, 80), 'is not well-formed Unicode (a lone surrogate has no UTF-8 form)');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw keyInvalid('key', key.slice(0, 80), `longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
}
