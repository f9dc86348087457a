import { arr, obj, str, type Json } from '../../../shared/mappers/read';
import { invalidEvent, isoTime, type Notification, type ObjectRef, sizeOf } from '../types';

/**
 * S3 event notifications (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html),
 * as Lambda receives them directly and as they arrive in an SQS message body. The object key is
 * URL-encoded with `+` for spaces ("red flower.jpg" is "red+flower.jpg"), so it is decoded the
 * way application/x-www-form-urlencoded is.
 */
export const isS3Notification = (e: Json): boolean => Array.isArray(e.Records) && arr(e.Records).some((r) => obj(r)?.eventSource === 'aws:s3');

/**
 * The message S3 sends to a queue or function when the notification is configured: nothing to
 * ingest (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html#supported-notification-event-types).
 */
export const isS3TestEvent = (e: Json): boolean => e.Event === 's3:TestEvent' && e.Service === 'Amazon S3';

/** `%XX` and `+` decoding of a notification key; a broken escape is invalid_event, never a guess. */
export function decodeS3Key(raw: string, where: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw invalidEvent(`${where}: the object key is not valid URL encoding`, [`${where}: invalid percent-encoding`]);
  }
}

function recordRef(r: Json, at: string): ObjectRef | undefined {
  if (!str(r.eventName)?.startsWith('ObjectCreated:')) return undefined;
  const s3 = obj(r.s3);
  const bucket = str(obj(s3?.bucket)?.name);
  const object = obj(s3?.object);
  const key = str(object?.key);
  const eventTime = isoTime(r.eventTime);
  const problems = [
    ...(bucket ? [] : [`${at}.s3.bucket.name: required non-empty string`]),
    ...(key ? [] : [`${at}.s3.object.key: required non-empty string`]),
    ...(eventTime ? [] : [`${at}.eventTime: required RFC 3339 timestamp`]),
  ];
  if (problems.length > 0) throw invalidEvent(`Not an S3 notification: ${problems.join('; ')}`, problems);
  const ref: ObjectRef = { bucket: bucket!, key: decodeS3Key(key!, `${at}.s3.object.key`), eventTime: eventTime! };
  const version = str(object?.versionId);
  const etag = str(object?.eTag);
  const size = sizeOf(object?.size);
  if (version) ref.version = version;
  if (etag) ref.etag = etag;
  if (size !== undefined) ref.size = size;
  return ref;
}

/**
 * Every ObjectCreated record of the notification; other event names (removals, restores) are
 * skipped. `at` is where the notification sits in the raw event ("Message." inside SNS), so that
 * problems point into it.
 */
export function s3Notification(e: Json, at = ''): Notification {
  if (isS3TestEvent(e)) return { refs: [], ignored: 's3:TestEvent' };
  const records = arr(e.Records);
  const refs: ObjectRef[] = [];
  records.forEach((r, i) => {
    const record = obj(r);
    if (record === undefined) throw invalidEvent(`Not an S3 notification: ${at}Records[${i}] is not an object`, [`${at}Records[${i}]: required object`]);
    const ref = recordRef(record, `${at}Records[${i}]`);
    if (ref) refs.push(ref);
  });
  return refs.length > 0 || records.length === 0 ? { refs } : { refs, ignored: 'no ObjectCreated record' };
}
