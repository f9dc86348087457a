import type { S3Client } from '@aws-sdk/client-s3';
import { guardBody, toBytes } from '../../shared/objects/bytes';
import { type ObjectStorage, ObjectExistsError } from '../../shared/ports/objects';
import { once } from '../common/once';
import { type AwsTimeouts, awsClientConfig } from './client-options';
import { failed, status } from './objects-s3-errors';
import { infoOf } from './objects-s3-info';
import { checkBucket, checkKey } from './objects-s3-keys';
import { moveObject } from './objects-s3-move';

export { copySource } from './objects-s3-move';

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
        // ChecksumMode: the object's checksum too, its content identity for storage-ingest (objects-s3-info.ts).
        return infoOf(bucket, key, await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' })));
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
      return moveObject({ sdk, client, conditional, self }, bucket, from, to, opts);
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
