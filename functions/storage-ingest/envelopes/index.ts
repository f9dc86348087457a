import { obj, type Json } from '../../../shared/mappers/read';
import { invalidEvent, type Notification } from '../types';
import { eventGridNotification, isEventGrid } from './eventgrid';
import { isS3EventBridge, s3EventBridge } from './eventbridge';
import { gcsNotification, isGcsEvent } from './gcs';
import { isS3Notification, isS3TestEvent, s3Notification } from './s3';
import { isSnsMessage, snsMessage } from './sns';

/**
 * One reader per notification shape, picked by a type guard (as hono picks its Lambda event
 * converters). Adapters put the cloud's notification JSON in the record body unchanged.
 */
const READERS: [(e: Json) => boolean, (e: Json) => Notification][] = [
  [(e) => isS3Notification(e) || isS3TestEvent(e), s3Notification],
  [isSnsMessage, snsMessage],
  [isS3EventBridge, s3EventBridge],
  [isEventGrid, eventGridNotification],
  [isGcsEvent, gcsNotification],
];

export function readNotification(body: string): Notification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidEvent('The storage notification is not JSON');
  }
  const event = obj(parsed);
  if (event === undefined) throw invalidEvent('The storage notification is not a JSON object');
  for (const [is, read] of READERS) if (is(event)) return read(event);
  throw invalidEvent('Not a storage notification this function knows (S3, S3 through SNS, EventBridge, Event Grid BlobCreated, Cloud Storage)');
}
