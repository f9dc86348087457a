import { lookup, obj, str, type Json } from '../../../shared/mappers/read';
import { invalidEvent, isoTime, type Notification, sizeOf, unquote } from '../types';

/**
 * Azure Event Grid `Microsoft.Storage.BlobCreated`, in the Event Grid schema (eventType,
 * eventTime) and in the CloudEvents 1.0 schema (type, time):
 * https://learn.microsoft.com/azure/event-grid/event-schema-blob-storage
 */
export const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
export const SUBSCRIPTION_VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';

/**
 * BlobCreated `data.api` values of uncommitted content, with the event that follows: Data Lake
 * Storage Gen2 creates a file empty (CreateFile); SFTP creates an empty blob when a file is opened
 * (SftpCreate) and, with resumable uploads, commits parts as they arrive (SftpWrite).
 */
const UNCOMMITTED: Record<string, string> = {
  CreateFile: 'content follows with FlushWithClose',
  SftpCreate: 'content follows with SftpCommit',
  SftpWrite: 'the whole file follows with SftpCommit',
};

const typeOf = (e: Json): string | undefined => str(e.eventType) ?? (e.specversion === '1.0' ? str(e.type) : undefined);

export const isEventGrid = (e: Json): boolean => typeOf(e)?.startsWith('Microsoft.') === true && typeof e.subject === 'string';

// The subject names container and blob unencoded; a blob name may hold slashes ("folder/a.sarif").
const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;

/**
 * Container and blob from the subject, else from the blob URL (whose path is percent-encoded).
 * Event Grid writes characters outside the Basic Multilingual Plane (an emoji) into the subject as
 * U+FFFD (https://github.com/Azure-Samples/azure-event-grid-viewer/issues/9): such a subject names
 * no blob, and the URL, when it gives the same container and a name without U+FFFD, is taken instead.
 */
function location(subject: string, url: string | undefined): { bucket: string; key: string } | undefined {
  const m = SUBJECT.exec(subject);
  if (m && !m[2]!.includes('\uFFFD')) return { bucket: m[1]!, key: m[2]! };
  const fromUrl = url === undefined ? undefined : urlLocation(url);
  if (m && (fromUrl === undefined || fromUrl.bucket !== m[1] || fromUrl.key.includes('\uFFFD'))) return { bucket: m[1]!, key: m[2]! };
  return fromUrl;
}

function urlLocation(url: string): { bucket: string; key: string } | undefined {
  try {
    const [, container, ...blob] = new URL(url).pathname.split('/');
    if (!container || blob.length === 0 || blob.join('') === '') return undefined;
    return { bucket: decodeURIComponent(container), key: blob.map(decodeURIComponent).join('/') };
  } catch {
    return undefined;
  }
}

export function eventGridNotification(e: Json): Notification {
  const type = typeOf(e)!;
  if (type === SUBSCRIPTION_VALIDATION) return { refs: [], ignored: 'subscription validation (answered by the HTTP endpoint)' };
  if (type !== BLOB_CREATED) return { refs: [], ignored: `event type ${type}` };
  const data = obj(e.data) ?? {};
  // Some BlobCreated events announce a blob whose content is not committed yet, and another
  // BlobCreated follows when it is: only that one has a report to read (read earlier, an empty
  // blob would be a report_empty and a part of one a report_invalid moved to quarantine mid-upload).
  const pending = lookup(UNCOMMITTED, data.api);
  if (pending !== undefined) return { refs: [], ignored: `${String(data.api)} (${pending})` };
  const where = location(e.subject as string, str(data.url));
  const eventTime = isoTime(e.eventTime ?? e.time);
  const problems = [
    ...(where ? [] : ['subject: expected /blobServices/default/containers/<container>/blobs/<name> (or data.url)']),
    ...(eventTime ? [] : [`${e.eventTime === undefined ? 'time' : 'eventTime'}: required RFC 3339 timestamp`]),
  ];
  if (problems.length > 0) throw invalidEvent(`Not a BlobCreated event: ${problems.join('; ')}`, problems);
  const etag = unquote(data.eTag);
  const size = sizeOf(data.contentLength);
  return { refs: [{ ...where!, eventTime: eventTime!, ...(etag ? { etag } : {}), ...(size !== undefined ? { size } : {}) }] };
}
