/**
 * A digest of an object's whole content that its store computed and keeps with it, so that the
 * same bytes written again under a key are known as such before they are read: what
 * storage-ingest takes as an object's identity (functions/storage-ingest/idempotency.ts). A
 * version (S3 VersionId, GCS generation, Blob versionId) names a write, not a content: the same
 * report uploaded again is a new version. The object stores (providers/<cloud>/objects-*.ts) add
 * it to the ObjectInfo they answer, where the store has one:
 * - S3: the full-object checksum (ChecksumType FULL_OBJECT: CRC64NVME, which S3 adds to every
 *   upload without one since December 2024, or the CRC32, CRC32C, SHA-1 or SHA-256 the uploader
 *   chose), asked for with ChecksumMode; a composite checksum of a multipart upload depends on
 *   its parts and is not one. (The ETag, an MD5 for uploads in one part, is the fallback.)
 * - Cloud Storage: md5Hash, else crc32c (a composite object has no MD5).
 * - Blob Storage: Content-MD5 (Put Blob sets it; a blob committed from blocks has it only when
 *   the uploader set it).
 * ObjectInfo's optional `contentDigest` (shared/ports/objects.ts): a store without one leaves it unset.
 */


/** `<algorithm>:<hex>` of a digest the store gives in base64 (HTTP headers, JSON) or as bytes; undefined when absent. */
export function digestOf(algorithm: string, value: string | Uint8Array | undefined): string | undefined {
  if (value === undefined || value.length === 0) return undefined;
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return bytes.length === 0 ? undefined : `${algorithm}:${bytes.toString('hex')}`;
}

