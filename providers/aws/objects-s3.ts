import type { S3Client } from '@aws-sdk/client-s3';
import { guardBody, toBytes } from '../../shared/objects/bytes';
import { hasConditions, meets, quoteEtag } from '../../shared/objects/conditions';
import { storageFailed } from '../../shared/objects/errors';
import { keyInvalid } from '../../shared/objects/keys';
import { type ObjectInfo, type ObjectStorage, ObjectExistsError } from '../../shared/ports/objects';
import { once } from '../common/once';
import { objectsUnavailable } from './unavailable';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export interface S3ObjectsOptions extends AwsTimeouts {
  region?: string;
  /** Endpoint override for S3-compatible servers (fauxqs, MinIO, LocalStack). */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`): emulators on 127.0.0.1 have no per-bucket host names. */
  forcePathStyle?: boolean;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: S3Client;
  /**
   * ifAbsent sends `If-None-Match: *`, which S3 enforces atomically (conditional writes):
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
   * and a conditional move sends `x-amz-copy-source-if-match` on CopyObject and `If-Match` on
   * DeleteObject. Set false only for S3-compatible servers that ignore these headers (fauxqs
   * 1.9.2 ignores all three): ifAbsent then checks with HeadObject first, which two concurrent
   * writers can both pass, and a move checks its conditions with HeadObject before the copy and
   * before the delete, which a writer in between can slip past.
   */
  conditionalWrites?: boolean;
}

type S3Error = { name?: string; $metadata?: { httpStatusCode?: number } };
const status = (e: unknown) => (e as S3Error)?.$metadata?.httpStatusCode;
const failure = (e: unknown) => ({ reason: (e as S3Error)?.name ?? 'Error', httpStatus: status(e) });
/** S3 unreachable (a 503 the caller may retry), else the service's refusal (object_storage_failed). */
const failed = (op: string, bucket: string, key: string | undefined, e: unknown) =>
  objectsUnavailable(op, bucket, key, e) ?? storageFailed(op, bucket, key, failure(e));
/** S3 quotes ETags (RFC 9110 entity tags); the port carries the bare value. */
const unquote = (etag: string | undefined) => etag?.replace(/^(W\/)?"(.*)"$/, '$2');
/** x-amz-copy-source is `bucket/key`, URL-encoded, with the slashes of the key kept:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax */
export const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * Keys and buckets a request would not address as given, or that S3 refuses, caught before any
 * request: object_key_invalid (400, not retryable), where S3's 400 would be a retryable
 * object_storage_failed and a request to the bucket itself would act on the bucket.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 * - An empty key: the path is /<bucket>/, the bucket: PutObject became a CreateBucket request
 *   (fauxqs answered it 200, nothing written), GetObject a listing of the bucket (its XML read as
 *   the object's bytes), DeleteObject a DeleteBucket.
 * - Over 1,024 bytes of UTF-8: KeyTooLongError. A lone surrogate has no UTF-8 form (the SDK's
 *   encodeURIComponent throws a URIError on it).
 * - A bucket `.` or `..`: the SDK's endpoint URL resolves it away (key `x` in bucket `..` is
 *   GET /x). Other bucket names are left to the SDK and S3 (legacy names, access point ARNs).
 * Dot segments, trailing dots and backslashes inside a key are kept: the SDK sends the path as it
 * is, and S3 signs and addresses it without normalising it, so `a/../b` is that object.
 */
const MAX_KEY_BYTES = 1024;
const LONE_SURROGATE = /\p{Surrogate}/u;

function checkBucket(bucket: string): void {
  if (bucket === '' || bucket === '.' || bucket === '..') throw keyInvalid('bucket', bucket, 'not an S3 bucket name');
}

function checkKey(bucket: string, key: string): void {
  checkBucket(bucket);
  if (key.length === 0) throw keyInvalid('key', key, 'empty (the request would address the bucket)');
  if (LONE_SURROGATE.test(key)) throw keyInvalid('key', key.slice(0, 80), 'is not well-formed Unicode (a lone surrogate has no UTF-8 form)');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw keyInvalid('key', key.slice(0, 80), `longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
}

interface S3Head {
  ContentLength?: number;
  ETag?: string;
  VersionId?: string;
  ContentType?: string;
  ContentEncoding?: string;
  LastModified?: Date;
}

function infoOf(bucket: string, key: string, h: S3Head): ObjectInfo {
  const info: ObjectInfo = { bucket, key, size: h.ContentLength ?? 0 };
  const etag = unquote(h.ETag);
  if (etag) info.etag = etag;
  if (h.VersionId && h.VersionId !== 'null') info.version = h.VersionId;
  if (h.ContentType) info.contentType = h.ContentType;
  if (h.ContentEncoding) info.contentEncoding = h.ContentEncoding;
  if (h.LastModified) info.lastModified = h.LastModified.toISOString();
  return info;
}

/**
 * Object storage on Amazon S3. The SDK is imported on first use. Any 404 on a read (NoSuchKey,
 * and HeadObject's bodiless NotFound, which cannot tell a missing key from a missing bucket)
 * means absent; S3 unreachable (connect or socket timeout, refused, DNS: unavailable.ts) is
 * object_storage_unavailable; every other failure is object_storage_failed. The list cursor is the last key of
 * the page, resumed with StartAfter, so it means the same as in the memory and local stores.
 */
export function s3Objects(opts: S3ObjectsOptions = {}): ObjectStorage {
  const load = once(() => import('@aws-sdk/client-s3').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.S3Client({ ...awsClientConfig(opts), forcePathStyle: opts.forcePathStyle }),
  })));
  const conditional = opts.conditionalWrites ?? true;

  async function getObject(bucket: string, key: string) {
    checkKey(bucket, key);
    const { sdk, client } = await load();
    try {
      return await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw failed('get', bucket, key, e);
    }
  }

  const self: ObjectStorage = {
    async put(bucket, key, body, put = {}) {
      checkKey(bucket, key);
      const { sdk, client } = await load();
      const data = toBytes(body);
      if (put.ifAbsent && !conditional && (await self.head(bucket, key))) throw new ObjectExistsError(bucket, key);
      try {
        const out = await client.send(new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: data,
          ContentLength: data.byteLength,
          ContentType: put.contentType,
          ContentEncoding: put.contentEncoding,
          IfNoneMatch: put.ifAbsent && conditional ? '*' : undefined,
        }));
        return infoOf(bucket, key, { ...out, ContentLength: data.byteLength, ContentType: put.contentType, ContentEncoding: put.contentEncoding });
      } catch (e) {
        // 412: the key exists. 409 ConditionalRequestConflict (a concurrent conditional write is in
        // flight) stays a retryable failure: the retry will see 412 or succeed.
        if (put.ifAbsent && status(e) === 412) throw new ObjectExistsError(bucket, key);
        throw failed('put', bucket, key, e);
      }
    },

    async get(bucket, key) {
      const out = await getObject(bucket, key);
      if (!out) return undefined;
      try {
        return await out.Body!.transformToByteArray();
      } catch (e) {
        throw failed('get', bucket, key, e);
      }
    },

    async stream(bucket, key) {
      const out = await getObject(bucket, key);
      if (!out) return undefined;
      // In Node the Body is the http.IncomingMessage (a Readable): async-iterable Buffers, read as
      // they arrive. transformToByteArray would hold the whole object in memory.
      const body = out.Body as unknown as AsyncIterable<Uint8Array>;
      return { info: infoOf(bucket, key, out), body: guardBody(body, (e) => failed('stream', bucket, key, e)) };
    },

    async head(bucket, key) {
      checkKey(bucket, key);
      const { sdk, client } = await load();
      try {
        return infoOf(bucket, key, await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key })));
      } catch (e) {
        if (status(e) === 404) return undefined;
        throw failed('head', bucket, key, e);
      }
    },

    async list(bucket, prefix, opts = {}) {
      checkBucket(bucket);
      const { sdk, client } = await load();
      try {
        const out = await client.send(new sdk.ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          MaxKeys: opts.limit ?? 1000,
          StartAfter: opts.after,
        }));
        const items = (out.Contents ?? []).map((c) => infoOf(bucket, c.Key!, { ContentLength: c.Size, ETag: c.ETag, LastModified: c.LastModified }));
        const last = items[items.length - 1];
        return out.IsTruncated && last ? { items, next: last.key } : { items };
      } catch (e) {
        throw failed('list', bucket, prefix, e);
      }
    },

    async move(bucket, from, to, opts) {
      checkKey(bucket, from);
      checkKey(bucket, to);
      const { sdk, client } = await load();
      const cond = hasConditions(opts) ? opts : undefined;
      // The ETag is S3's precondition; a version alone is first resolved to the ETag it has. Without
      // conditional requests (fauxqs) every condition is checked with HeadObject, not atomically.
      let etag = cond?.ifMatch;
      if (cond && (etag === undefined || !conditional)) {
        const now = await self.head(bucket, from);
        if (!now) return 'absent';
        if (!meets(now, cond)) return 'changed';
        etag = now.etag;
      }
      let copied;
      try {
        // CopyObject keeps Content-Type, Content-Encoding and user metadata (MetadataDirective COPY).
        copied = await client.send(new sdk.CopyObjectCommand({
          Bucket: bucket, Key: to, CopySource: copySource(bucket, from), MetadataDirective: 'COPY',
          CopySourceIfMatch: cond && conditional && etag !== undefined ? quoteEtag(etag) : undefined,
        }));
      } catch (e) {
        if (status(e) === 404) return 'absent';
        if (cond && status(e) === 412) return 'changed';
        throw failed('move', bucket, from, e);
      }
      if (!cond) {
        await self.delete(bucket, from);
        return 'moved';
      }
      // The same ETag under another version is a byte-identical re-upload: its copy is the object
      // named, but the key now holds the new version, with its own notification: leave it.
      if (cond.ifVersion !== undefined && conditional && copied.CopySourceVersionId !== cond.ifVersion) return 'copied';
      if (!conditional) {
        const now = await self.head(bucket, from);
        if (!now) return 'moved';
        if (!meets(now, { ...cond, ifMatch: etag })) return 'copied';
      }
      try {
        // If-Match on DeleteObject (conditional deletes, general purpose buckets too):
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: from, IfMatch: conditional && etag !== undefined ? quoteEtag(etag) : undefined }));
      } catch (e) {
        // 404: deleted meanwhile, the copy is all that is left. 412: replaced since the copy.
        // 409 ConditionalRequestConflict (a concurrent write or delete) stays a retryable failure.
        if (status(e) === 404) return 'moved';
        if (status(e) === 412) return 'copied';
        throw failed('move', bucket, from, e);
      }
      return 'moved';
    },

    async delete(bucket, key) {
      checkKey(bucket, key);
      const { sdk, client } = await load();
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        if (status(e) === 404) return;
        throw failed('delete', bucket, key, e);
      }
    },

    async check(bucket) {
      if (bucket) checkBucket(bucket);
      const { sdk, client } = await load();
      try {
        // HeadBucket needs only s3:ListBucket on that bucket; without a bucket, ListBuckets needs
        // s3:ListAllMyBuckets, which function roles often lack: pass the bucket you use.
        if (bucket) await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
        else await client.send(new sdk.ListBucketsCommand({ MaxBuckets: 1 }));
      } catch (e) {
        throw failed('check', bucket ?? '(account)', undefined, e);
      }
    },
  };
  return self;
}
