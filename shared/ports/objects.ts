/**
 * Object storage (S3, Azure Blob, GCS, a local directory). Every call names its bucket
 * (container) because events name theirs: storage-ingest reads the bucket a notification points
 * at, an archive destination writes to the bucket in its configuration. Bodies are read as
 * streams so a 200 MB report is never held whole.
 */
export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** The store's entity tag, without quotes (S3/Blob ETag, GCS md5 or etag, local: sha256 of the content). */
  etag?: string;
  /** The object version where the store keeps versions (S3 VersionId, Blob versionId, GCS generation). */
  version?: string;
  contentType?: string;
  contentEncoding?: string;
  /** ISO 8601. */
  lastModified?: string;
}

export interface ObjectPutOptions {
  contentType?: string;
  contentEncoding?: string;
  /** Fail with ObjectExistsError instead of overwriting (S3 If-None-Match, Blob/GCS preconditions, O_EXCL). */
  ifAbsent?: boolean;
}

export interface ObjectListOptions {
  limit?: number;
  /** The `next` cursor of a previous page. */
  after?: string;
}

export interface ObjectStorage {
  put(bucket: string, key: string, body: Uint8Array | string, opts?: ObjectPutOptions): Promise<ObjectInfo>;
  /** The whole object, for small objects only; undefined when absent. */
  get(bucket: string, key: string): Promise<Uint8Array | undefined>;
  /** The object as a stream of chunks; undefined when absent. The caller must consume or abort it. */
  stream(bucket: string, key: string): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> } | undefined>;
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Objects whose key starts with prefix, in key order, a page at a time. */
  list(bucket: string, prefix: string, opts?: ObjectListOptions): Promise<{ items: ObjectInfo[]; next?: string }>;
  /** Copies then deletes (no store has an atomic rename); used to quarantine a bad report. */
  move(bucket: string, from: string, to: string): Promise<void>;
  /** No error when absent. */
  delete(bucket: string, key: string): Promise<void>;
  /** Readiness: the store answers (used by GET /health/ready). */
  check(bucket?: string): Promise<void>;
}

/** Thrown by put with ifAbsent when the key exists. */
export class ObjectExistsError extends Error {
  readonly code = 'object_exists';
  constructor(readonly bucket: string, readonly key: string) {
    super(`Object ${bucket}/${key} already exists`);
  }
}
