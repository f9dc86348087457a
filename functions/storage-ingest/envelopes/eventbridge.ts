import { obj, str, type Json } from '../../../shared/mappers/read';
import { invalidEvent, isoTime, type Notification, sizeOf } from '../types';
import { decodeS3Key } from './s3';

/**
 * S3 "Object Created" events delivered through Amazon EventBridge
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). The key is decoded like
 * a notification key, as aws-powertools' S3EventBridgeNotificationObject does (unquote_plus).
 */
export const isS3EventBridge = (e: Json): boolean => e.source === 'aws.s3' && typeof e['detail-type'] === 'string' && obj(e.detail) !== undefined;

/** `at` is where the event sits in the raw event ("Message." inside SNS), so that problems point into it. */
export function s3EventBridge(e: Json, at = ''): Notification {
  const detailType = e['detail-type'] as string;
  if (detailType !== 'Object Created') return { refs: [], ignored: `detail-type ${detailType}` };
  const detail = obj(e.detail)!;
  const bucket = str(obj(detail.bucket)?.name);
  const object = obj(detail.object);
  const key = str(object?.key);
  const eventTime = isoTime(e.time);
  const problems = [
    ...(bucket ? [] : [`${at}detail.bucket.name: required non-empty string`]),
    ...(key ? [] : [`${at}detail.object.key: required non-empty string`]),
    ...(eventTime ? [] : [`${at}time: required RFC 3339 timestamp`]),
  ];
  if (problems.length > 0) throw invalidEvent(`Not an S3 Object Created event: ${problems.join('; ')}`, problems);
  const version = str(object?.['version-id']);
  const etag = str(object?.etag);
  const size = sizeOf(object?.size);
  return {
    refs: [{
      bucket: bucket!,
      key: decodeS3Key(key!, `${at}detail.object.key`),
      eventTime: eventTime!,
      ...(version ? { version } : {}),
      ...(etag ? { etag } : {}),
      ...(size !== undefined ? { size } : {}),
    }],
  };
}
