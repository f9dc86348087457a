import { AppError } from '../errors';

/**
 * Key order of every store: bytewise on the UTF-8 encoding, which is how S3 lists ("UTF-8 binary
 * order", https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html) and GCS
 * ("lexicographic") do. JavaScript's `<` compares UTF-16 code units and puts U+1F600 before
 * U+FF21, the opposite of UTF-8; one order everywhere keeps list cursors portable.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Names reserved for a store's own bookkeeping files (temp files, sidecars). */
export const RESERVED_SEGMENT_PREFIX = '.secorch-';

export const keyInvalid = (what: 'bucket' | 'key', value: string, why: string): AppError =>
  new AppError('object_key_invalid', `Object ${what} ${JSON.stringify(value)} is invalid: ${why}`, {
    status: 400,
    retryable: false,
    expose: true,
  });

/**
 * Keys that map onto a file system path without escaping it: slash-separated segments, none
 * empty (no leading, trailing or doubled slash, hence no absolute path), none `.` or `..`, no
 * backslash (a separator on Windows), no NUL (truncates paths in C APIs), and none starting with
 * the reserved prefix. Throws object_key_invalid (400) naming the first rule broken.
 */
export function assertSafeKey(key: string, what: 'bucket' | 'key' = 'key'): string[] {
  if (key.length === 0) throw keyInvalid(what, key, 'empty');
  if (key.includes('\\')) throw keyInvalid(what, key, 'contains a backslash');
  if (key.includes('\0')) throw keyInvalid(what, key, 'contains NUL');
  const segments = key.split('/');
  if (what === 'bucket' && segments.length > 1) throw keyInvalid(what, key, 'contains a slash');
  for (const s of segments) {
    if (s === '') throw keyInvalid(what, key, 'has an empty segment (leading, trailing or doubled slash)');
    if (s === '.' || s === '..') throw keyInvalid(what, key, `has a "${s}" segment`);
    if (s.startsWith(RESERVED_SEGMENT_PREFIX)) throw keyInvalid(what, key, `segments may not start with ${RESERVED_SEGMENT_PREFIX}`);
  }
  if (what === 'bucket' && key.startsWith('.')) throw keyInvalid(what, key, 'starts with a dot');
  return segments;
}
