import { digestOf } from '../../shared/ingest/content-digest';
import type { ObjectInfo } from '../../shared/ports/objects';

const unquote = (etag: string | undefined) => etag?.replace(/^(W\/)?"(.*)"$/, '$2');

/** The fields of Blob Storage's answers (Get Blob Properties, Get Blob, Put Blob, a listing's entry) an ObjectInfo is made of. */
export interface BlobProps {
  contentLength?: number;
  etag?: string;
  versionId?: string;
  contentType?: string;
  contentEncoding?: string;
  lastModified?: Date;
  /** The blob's Content-MD5 property (on a read of the whole blob, the response's Content-MD5 is it). */
  contentMD5?: Uint8Array;
}

/**
 * What head, stream, list and put of the Blob Storage store (objects-blob.ts) answer for one blob.
 * The ETag changes on every write; the content digest (shared/ingest/content-digest.ts) is the
 * blob's Content-MD5, which Put Blob sets (the service computes it when the request gives none),
 * and Put Block List only when the uploader states it (x-ms-blob-content-md5, e.g. azcopy
 * --put-md5; not checked by the service):
 * https://learn.microsoft.com/en-us/rest/api/storageservices/put-blob
 * A blob without it has no content digest: each write of it is new to storage-ingest.
 */
export function infoOf(bucket: string, key: string, p: BlobProps): ObjectInfo {
  const info: ObjectInfo = { bucket, key, size: p.contentLength ?? 0 };
  const etag = unquote(p.etag);
  if (etag) info.etag = etag;
  if (p.versionId) info.version = p.versionId;
  if (p.contentType) info.contentType = p.contentType;
  if (p.contentEncoding) info.contentEncoding = p.contentEncoding;
  if (p.lastModified) info.lastModified = p.lastModified.toISOString();
  const digest = digestOf('md5', p.contentMD5);
  if (digest) info.contentDigest = digest;
  return info;
}
