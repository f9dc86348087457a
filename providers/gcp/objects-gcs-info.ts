import type { FileMetadata } from '@google-cloud/storage';
import { digestOf } from '../../shared/ingest/content-digest';
import type { ObjectInfo } from '../../shared/ports/objects';

/**
 * What head, stream and list of the Cloud Storage store (objects-gcs.ts) answer for one object
 * resource (https://cloud.google.com/storage/docs/json_api/v1/objects#resource). The generation is
 * the version; the etag changes on every write and on metadata updates. The content digest
 * (shared/ingest/content-digest.ts) is md5Hash, which the service computes, else crc32c, which
 * every object has: a composite object (a parallel composite upload) has no MD5.
 */
export function infoOf(bucket: string, key: string, m: FileMetadata): ObjectInfo {
  const info: ObjectInfo = { bucket, key, size: Number(m.size ?? 0) };
  // etag changes on every write (and on metadata updates); md5Hash is missing for composite objects.
  const etag = m.etag ?? m.md5Hash;
  if (etag) info.etag = String(etag).replace(/^"(.*)"$/, '$1');
  if (m.generation !== undefined) info.version = String(m.generation);
  if (m.contentType) info.contentType = m.contentType;
  if (m.contentEncoding) info.contentEncoding = m.contentEncoding;
  if (m.updated) info.lastModified = new Date(m.updated).toISOString();
  const digest = digestOf('md5', m.md5Hash) ?? digestOf('crc32c', m.crc32c);
  if (digest) info.contentDigest = digest;
  return info;
}
