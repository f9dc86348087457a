/**
 * FakeFirestore's data rules (firestore-fake.testkit.ts): the value types the SDK takes and
 * returns, and the size limits the server enforces on a document and on a commit
 * (https://cloud.google.com/firestore/quotas), with sizes counted as
 * https://firebase.google.com/docs/firestore/storage-size describes.
 */
export type Data = Record<string, unknown>;

export const grpcError = (code: number, message: string) => Object.assign(new Error(`${code} ${message}`), { code, details: message });

const MAX_DOCUMENT_BYTES = 1_048_576;
/** "Maximum size of a field value: 1 MiB - 89 bytes". */
const MAX_FIELD_VALUE_BYTES = 1_048_487;
const MAX_REQUEST_BYTES = 10 * 1_048_576;
const MAX_WRITES = 500;

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

function copyValue(field: string, value: unknown): unknown {
  if (value === undefined) throw new Error(`Cannot use "undefined" as a Firestore value (found in field "${field}")`);
  if (isBytes(value)) return Buffer.from(value);
  if (value instanceof Date) return new Date(value);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  throw new Error(`The fake Firestore does not model the value in field "${field}"`);
}

export function copy(data: Data): Data {
  return Object.fromEntries(Object.entries(data).map(([field, value]) => [field, copyValue(field, value)]));
}

/** The storage size of a string (UTF-8 bytes + 1) and of a document at a path. */
const stringSize = (s: string) => Buffer.byteLength(s, 'utf8') + 1;
function valueSize(value: unknown): number {
  if (typeof value === 'string') return stringSize(value);
  if (isBytes(value)) return value.length;
  if (typeof value === 'number' || value instanceof Date) return 8;
  return 1; // boolean, null
}
const sizeOf = (path: string, data: Data) => Object.entries(data).reduce(
  (size, [field, value]) => size + stringSize(field) + valueSize(value),
  path.split('/').reduce((n, segment) => n + stringSize(segment), 16) + 32,
);

/** A copy of data for a write, refused as the server would when the document is over 1 MiB. */
export function toWrite(path: string, data: Data): Data {
  const value = copy(data);
  for (const [field, v] of Object.entries(value)) {
    if (valueSize(v) > MAX_FIELD_VALUE_BYTES) throw grpcError(3, `The value of property "${field}" is longer than ${MAX_FIELD_VALUE_BYTES} bytes.`);
  }
  const size = sizeOf(path, value);
  if (size > MAX_DOCUMENT_BYTES) {
    throw grpcError(3, `Document "${path}" cannot be written because its size (${size} bytes) exceeds the maximum allowed size of ${MAX_DOCUMENT_BYTES} bytes.`);
  }
  return value;
}

/** A commit's limits: the writes' count and their documents' total size (a delete counts its name). */
export function checkCommit(writes: Map<string, Data | undefined>): void {
  if (writes.size > MAX_WRITES) throw grpcError(3, `maximum ${MAX_WRITES} writes allowed per request`);
  let size = 0;
  for (const [path, data] of writes) size += data ? sizeOf(path, data) : sizeOf(path, {}) - 32;
  if (size > MAX_REQUEST_BYTES) throw grpcError(3, `Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`);
}
