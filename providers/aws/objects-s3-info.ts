import type { ObjectInfo } from '../../shared/ports/objects';

/** S3 quotes ETags (RFC 9110 entity tags); the port carries the bare value. */
const unquote = (etag: string | undefined) => etag?.replace(/^(W\/)?"(.*)"$/, '$2');

/** The fields of S3's answers (HeadObject, GetObject, PutObject, a listing's entry) an ObjectInfo is made of. */
export interface S3Head {
  ContentLength?: number;
  ETag?: string;
  VersionId?: string;
  ContentType?: string;
  ContentEncoding?: string;
  LastModified?: Date;
}

export function infoOf(bucket: string, key: string, h: S3Head): ObjectInfo {
  const info: ObjectInfo = { bucket, key, size: h.ContentLength ?? 0 };
  const etag = unquote(h.ETag);
  if (etag) info.etag = etag;
  if (h.VersionId && h.VersionId !== 'null') info.version = h.VersionId;
  if (h.ContentType) info.contentType = h.ContentType;
  if (h.ContentEncoding) info.contentEncoding = h.ContentEncoding;
  if (h.LastModified) info.lastModified = h.LastModified.toISOString();
  return info;
}
