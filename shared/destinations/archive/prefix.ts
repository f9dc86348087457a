import { errors } from '../../errors';
import { RESERVED_SEGMENT_PREFIX } from '../../objects/keys';

/** `year=YYYY/month=MM/day=DD/hour=HH/<32 hex>.jsonl.gz`: what objectKey appends to the folder. */
const SUFFIX_BYTES = 75;
/** S3 and GCS: 1024 bytes of UTF-8; Azure Blob: 1024 characters, never more than the bytes. */
const MAX_KEY_BYTES = 1024;
/**
 * A folder name of the local store (a folder of the data directory): NAME_MAX of Linux and macOS.
 * A longer segment fits S3's key, but the local store refuses every object under it
 * (object_key_invalid): events would be buffered that no flush can ever write.
 */
const MAX_SEGMENT_BYTES = 255;

/** The prefix as a folder: `events` and `events/` both give `events/`; '' stays the bucket's root. */
export const folderOf = (prefix: string): string => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);

/**
 * Why an archive prefix cannot be used, or undefined. The object key must mean the same object on
 * every store: '.' and '..' segments are resolved by Azure's URL handling (and refused by the
 * local folder, as are empty segments, backslashes and its reserved names); a segment ending in a
 * dot is trimmed by Windows and refused by ADLS Gen2 directories; control characters break S3's
 * XML listings; a folder name must fit a file name (MAX_SEGMENT_BYTES); and the whole key must
 * fit S3's and GCS's 1024 bytes.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 * https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata
 */
export function prefixProblem(prefix: string): string | undefined {
  const folder = folderOf(prefix);
  if (folder === '') return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(folder)) return 'contains a control character';
  if (folder.includes('\\')) return 'contains a backslash';
  for (const s of folder.slice(0, -1).split('/')) {
    if (s === '') return 'has an empty segment (a leading or doubled slash)';
    if (s === '.' || s === '..') return `has a "${s}" segment`;
    if (s.endsWith('.')) return `has a segment that ends with a dot ("${s}")`;
    if (s.startsWith(RESERVED_SEGMENT_PREFIX)) return `has a segment starting with ${RESERVED_SEGMENT_PREFIX}`;
    if (Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES) return `has a segment longer than ${MAX_SEGMENT_BYTES} bytes of UTF-8, the longest folder name of a file system`;
  }
  const bytes = Buffer.byteLength(folder, 'utf8');
  if (bytes + SUFFIX_BYTES > MAX_KEY_BYTES) return `makes object keys longer than ${MAX_KEY_BYTES} bytes (at most ${MAX_KEY_BYTES - SUFFIX_BYTES - 1} bytes of UTF-8 before the final slash)`;
  return undefined;
}

/**
 * Refuses a destination whose prefix no store can hold: before anything is buffered (the router
 * then fails the record instead of buffering events no flush could ever write) and before a flush.
 */
export function requireValidPrefix(name: string, prefix: string): void {
  const problem = prefixProblem(prefix);
  if (problem) throw errors.config(`Destination ${name}: prefix ${JSON.stringify(prefix)} ${problem}`, `destinations.${name}.prefix`);
}
