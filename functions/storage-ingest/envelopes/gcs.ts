import { obj, str, type Json } from '../../../shared/mappers/read';
import { invalidEvent, isoTime, type Notification, sizeOf } from '../types';

/**
 * Cloud Storage CloudEvents delivered by Eventarc (data: google.events.cloud.storage.v1.StorageObjectData,
 * https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/storage/v1/data.proto).
 * The adapter hands over the structured form whatever the HTTP mode was (binary mode's data is
 * the body, its attributes ce-* headers). int64 fields such as generation and size arrive as
 * strings or numbers.
 */
export const GCS_FINALIZED = 'google.cloud.storage.object.v1.finalized';

export const isGcsEvent = (e: Json): boolean => e.specversion === '1.0' && str(e.type)?.startsWith('google.cloud.storage.object.') === true;

const generationOf = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' && /^\d+$/.test(v) ? v : undefined;

export function gcsNotification(e: Json): Notification {
  if (e.type !== GCS_FINALIZED) return { refs: [], ignored: `event type ${String(e.type)}` };
  const data = obj(e.data);
  const bucket = str(data?.bucket);
  const key = str(data?.name);
  // The event time, else when the object was created (a finalize creates the generation).
  const eventTime = isoTime(e.time) ?? isoTime(data?.timeCreated);
  const problems = [
    ...(bucket ? [] : ['data.bucket: required non-empty string']),
    ...(key ? [] : ['data.name: required non-empty string']),
    ...(eventTime ? [] : ['time: required RFC 3339 timestamp']),
  ];
  if (problems.length > 0) throw invalidEvent(`Not a Cloud Storage object event: ${problems.join('; ')}`, problems);
  const version = generationOf(data!.generation);
  const etag = str(data!.etag);
  const size = sizeOf(data!.size);
  return {
    refs: [{
      bucket: bucket!,
      key: key!,
      eventTime: eventTime!,
      ...(version ? { version } : {}),
      ...(etag ? { etag } : {}),
      ...(size !== undefined ? { size } : {}),
    }],
  };
}
