import { digestOf } from '../../shared/ingest/content-digest';
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
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumType?: string;
}

/** The checksums S3 may keep of an object (one per object), strongest first. */
const CHECKSUMS = [['sha256', 'ChecksumSHA256'], ['sha1', 'ChecksumSHA1'], ['crc64nvme', 'ChecksumCRC64NVME'], ['crc32c', 'ChecksumCRC32C'], ['crc32', 'ChecksumCRC32']] as const;

/**
 * The object's full-object checksum, as a content digest (shared/ingest/content-digest.ts).
 * HeadObject answers checksums only with ChecksumMode ENABLED. S3 adds CRC64NVME to every upload
 * made without a checksum since December 2024, multipart ones included (FULL_OBJECT); a COMPOSITE
 * checksum (`<base64>-<parts>`, multipart uploads with SHA or CRC32 parts) is a checksum of the
 * parts' checksums, which other part sizes change: not one.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
function checksumOf(h: S3Head): string | undefined {
  if (h.ChecksumType !== undefined && h.ChecksumType !== 'FULL_OBJECT') return undefined;
  for (const [algorithm, field] of CHECKSUMS) {
    const value = h[field];
    if (value !== undefined && !/-\d+$/.test(value)) return digestOf(algorithm, value);
  }
  return undefined;
}

export function infoOf(bucket: string, key: string, h: S3Head): ObjectInfo {
  const info: ObjectInfo = { bucket, key, size: h.ContentLength ?? 0 };
  const etag = unquote(h.ETag);
  if (etag) info.etag = etag;
  if (h.VersionId && h.VersionId !== 'null') info.version = h.VersionId;
  if (h.ContentType) info.contentType = h.ContentType;
  if (h.ContentEncoding) info.contentEncoding = h.ContentEncoding;
  if (h.LastModified) info.lastModified = h.LastModified.toISOString();
  const digest = checksumOf(h);
  if (digest) info.contentDigest = digest;
  return info;
}
