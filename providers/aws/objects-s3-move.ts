import type { S3Client } from '@aws-sdk/client-s3';
import { hasConditions, meets, quoteEtag } from '../../shared/objects/conditions';
import type { ObjectMoveOptions, ObjectMoveResult, ObjectStorage } from '../../shared/ports/objects';
import { failed, status } from './objects-s3-errors';

/** x-amz-copy-source is `bucket/key`, URL-encoded, with the slashes of the key kept:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax */
export const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/** What a move needs of the store it belongs to (objects-s3.ts): the loaded SDK and client, and the store itself for head and delete. */
export interface S3MoveContext {
  sdk: typeof import('@aws-sdk/client-s3');
  client: S3Client;
  /** S3ObjectsOptions.conditionalWrites. */
  conditional: boolean;
  self: ObjectStorage;
}

/**
 * ObjectStorage.move on S3 (bucket and keys already checked): CopyObject then DeleteObject, the
 * conditions sent as `x-amz-copy-source-if-match` and `If-Match`, or checked with HeadObject
 * where the server ignores them.
 */
export async function moveObject(ctx: S3MoveContext, bucket: string, from: string, to: string, opts?: ObjectMoveOptions): Promise<ObjectMoveResult> {
  const { sdk, client, conditional, self } = ctx;
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
}
