import { AppError } from '../../shared/errors';

/**
 * One object a storage notification points at. Keys are always decoded here (S3 sends them
 * URL-encoded); version and etag are what the notification says and only inform the log: the
 * object is headed before it is read, and what the store answers decides its identity.
 */
export interface ObjectRef {
  bucket: string;
  key: string;
  /** S3 VersionId, Blob versionId, GCS generation. */
  version?: string;
  /** Without quotes. */
  etag?: string;
  size?: number;
  /** RFC 3339: when the store created the object (the notification's event time). */
  eventTime: string;
}

/** What a notification asks for: objects to ingest, or nothing with the reason (a test event, a deletion). */
export interface Notification {
  refs: ObjectRef[];
  ignored?: string;
  /** The SNS topic ARN the notification came through, for the log. */
  topic?: string;
  /** What only an operator can do about an ignored notification (a subscription to confirm): logged at warn. */
  action?: string;
}

/**
 * A notification this capability cannot read: 400, not retryable (redelivering the same bytes
 * cannot help; the platform's dead-letter queue keeps it). Problems point into the raw event.
 */
export const invalidEvent = (message: string, problems: string[] = []): AppError =>
  new AppError('invalid_event', message, { status: 400, retryable: false, extra: problems.length > 0 ? { problems } : {} });

/** An ISO 8601 timestamp, normalized; undefined when absent or unparsable. */
export function isoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Sizes arrive as numbers (S3, Event Grid) or decimal strings (GCS int64 in JSON). */
export function sizeOf(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Entity tags without the quotes HTTP puts around them (Event Grid sends "\"0x8D...\""). */
export const unquote = (etag: unknown): string | undefined =>
  typeof etag === 'string' && etag !== '' ? etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1') : undefined;
