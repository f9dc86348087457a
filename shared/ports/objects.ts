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
  /**
   * A digest of the whole content that the store computed and keeps, `<algorithm>:<lowercase hex>`
   * (S3 full-object checksum, GCS md5Hash or crc32c, Blob Content-MD5), where it has one: the same
   * bytes written again have the same digest, unlike their version (shared/ingest/content-digest.ts).
   */
  contentDigest?: string;
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

/**
 * Conditions of a move: each one given must hold for the source when it is copied and again when
 * it is deleted, so an object written under the key meanwhile is neither moved nor deleted. Take
 * them from a head of the object you judged (conditionsOf in shared/objects/conditions.ts).
 * Each store enforces them with its own preconditions; where it has one for only one of the two,
 * it resolves the other to it by reading the object's properties first:
 * - S3: the ETag (CopyObject x-amz-copy-source-if-match, DeleteObject If-Match); a version is
 *   compared with the version the copy read (CopySourceVersionId). S3's ETag is the content's
 *   MD5, so only a byte-identical re-upload can pass for the object named.
 * - Azure Blob: the ETag (copy source conditions, delete conditions); it changes on every write.
 * - GCS: the generation (rewrite ifSourceGenerationMatch, delete ifGenerationMatch).
 * - local folder: the etag (SHA-256 of the content); its objects have no version, so ifVersion
 *   never holds there. Memory: both.
 */
export interface ObjectMoveOptions {
  /** The source's etag, as ObjectInfo.etag gives it (unquoted). */
  ifMatch?: string;
  /** The source's version, as ObjectInfo.version gives it (S3 VersionId, Blob versionId, GCS generation). */
  ifVersion?: string;
}

/**
 * What a move did:
 * - `moved`: the destination holds the object and the source key no longer does;
 * - `absent`: there was no object at the source; nothing was written;
 * - `changed`: the source is not the object the conditions name (replaced since it was judged):
 *   nothing was written and nothing deleted;
 * - `copied`: the source was replaced after the copy: the destination holds the object the
 *   conditions name, and the source key, which holds the new object, was left alone.
 * A move without conditions answers only `moved` or `absent`.
 */
export type ObjectMoveResult = 'moved' | 'absent' | 'changed' | 'copied';

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
  /**
   * Copies then deletes (no cloud store has an atomic rename; the local folder renames), keeping
   * content type and encoding; an existing destination is replaced. With conditions, only the
   * object they name is moved (see ObjectMoveOptions). Used to quarantine a bad report.
   */
  move(bucket: string, from: string, to: string, opts?: ObjectMoveOptions): Promise<ObjectMoveResult>;
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
