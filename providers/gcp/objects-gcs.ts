import type { File, Storage } from '@google-cloud/storage';
import { guardBody, toBytes } from '../../shared/objects/bytes';
import { hasConditions, meets } from '../../shared/objects/conditions';
import { storageFailed } from '../../shared/objects/errors';
import { type ObjectStorage, ObjectExistsError } from '../../shared/ports/objects';
import { once } from '../common/once';
import { type GcpTimeouts, storageOptions } from './client-options';
import { infoOf } from './objects-gcs-info';
import { checkBucket, checkObjectName } from './object-names';
import { objectsUnavailable } from './unavailable';

export interface GcsObjectsOptions extends GcpTimeouts {
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  storage?: Storage;
  /** Needed only by check() without a bucket (it lists the project's buckets). */
  projectId?: string;
  /** Endpoint of the client made here (tests: `http://127.0.0.1:port`). */
  apiEndpoint?: string;
}

type ApiError = { code?: number | string; name?: string };
const codeOf = (e: unknown) => Number((e as ApiError)?.code);
const failure = (e: unknown) => ({ reason: (e as ApiError)?.name ?? 'Error', httpStatus: Number.isFinite(codeOf(e)) ? codeOf(e) : undefined });
/** Unreachable: object_storage_unavailable; any answer of the service: object_storage_failed. */
const failed = (op: string, bucket: string, key: string | undefined, e: unknown) =>
  objectsUnavailable(op, bucket, key, e) ?? storageFailed(op, bucket, key, failure(e));

/**
 * Adds query parameters to every request this File object sends. File#copy (7.22) forwards only
 * the destination's ifGenerationMatch; the rewrite API's source preconditions
 * (ifSourceGenerationMatch: https://cloud.google.com/storage/docs/json_api/v1/objects/rewrite) go
 * through the File's request interceptors, the SDK's own hook for per-object request changes (it
 * sets customer-supplied keys that way). copy() calls itself again on the same File for each
 * rewrite token, so every call of a large rewrite carries them, as the API requires. Use it on a
 * File made for one call only: bucket.file() makes a new one each time.
 */
type RequestOptions = ReturnType<File['interceptors'][number]['request']>;
function withQuery(f: File, query: Record<string, string>): void {
  // Typed as taking request's Options; what the SDK passes is its own request options (uri, qs).
  f.interceptors.push({ request: (reqOpts) => ({ ...(reqOpts as RequestOptions), qs: { ...(reqOpts as RequestOptions).qs, ...query } }) });
}

/**
 * Object storage on Google Cloud Storage. ifAbsent is the precondition ifGenerationMatch: 0 ("only
 * if no live object exists"), which GCS enforces atomically:
 * https://cloud.google.com/storage/docs/request-preconditions#special-case
 * Reads ask for the stored bytes (decompress: false): a gzip-encoded object comes back as written,
 * as on the other stores. The list cursor is the API's pageToken. A 404 on a read means absent.
 * Names the service refuses or the request URL would rewrite are refused first (object-names.ts).
 */
export function gcsObjects(opts: GcsObjectsOptions = {}): ObjectStorage {
  const load = once(async () => opts.storage ?? new (await import('@google-cloud/storage')).Storage({
    projectId: opts.projectId, ...storageOptions(opts), ...(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint } : {}),
  }));
  // Every operation checks its names (object-names.ts) before it makes a File.
  const file = async (bucket: string, key: string, generation?: string | number): Promise<File> =>
    (await load()).bucket(bucket).file(key, generation === undefined ? {} : { generation });
  const absent = (e: unknown) => codeOf(e) === 404;

  const self: ObjectStorage = {
    async put(bucket, key, body, put = {}) {
      checkObjectName(bucket, key);
      const data = toBytes(body);
      const f = await file(bucket, key);
      try {
        await f.save(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
          resumable: false,
          metadata: { contentType: put.contentType, contentEncoding: put.contentEncoding },
          ...(put.ifAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
        });
      } catch (e) {
        if (put.ifAbsent && codeOf(e) === 412) throw new ObjectExistsError(bucket, key);
        throw failed('put', bucket, key, e);
      }
      // save() leaves the service's resource (generation, etag, updated) in f.metadata.
      return infoOf(bucket, key, { ...f.metadata, size: data.byteLength, contentType: put.contentType, contentEncoding: put.contentEncoding });
    },

    async get(bucket, key) {
      checkObjectName(bucket, key);
      try {
        const [data] = await (await file(bucket, key)).download({ decompress: false });
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      } catch (e) {
        if (absent(e)) return undefined;
        throw failed('get', bucket, key, e);
      }
    },

    async stream(bucket, key) {
      const info = await self.head(bucket, key);
      if (!info) return undefined;
      // Read the generation head saw, so info and body describe the same write: if the object is
      // replaced in between, the read fails instead of mixing one write's info with another's bytes.
      const f = await file(bucket, key, info.version);
      const body = f.createReadStream({ decompress: false }) as AsyncIterable<Uint8Array>;
      return { info, body: guardBody(body, (e) => failed('stream', bucket, key, e)) };
    },

    async head(bucket, key) {
      checkObjectName(bucket, key);
      try {
        const [metadata] = await (await file(bucket, key)).getMetadata();
        return infoOf(bucket, key, metadata);
      } catch (e) {
        if (absent(e)) return undefined;
        throw failed('head', bucket, key, e);
      }
    },

    async list(bucket, prefix, opts = {}) {
      checkBucket(bucket);
      try {
        const [files, nextQuery] = await (await load()).bucket(bucket).getFiles({
          prefix,
          maxResults: opts.limit ?? 1000,
          autoPaginate: false,
          ...(opts.after ? { pageToken: opts.after } : {}),
        });
        const items = files.map((f) => infoOf(bucket, f.name, f.metadata));
        const token = (nextQuery as { pageToken?: string } | null | undefined)?.pageToken;
        return token ? { items, next: token } : { items };
      } catch (e) {
        throw failed('list', bucket, prefix, e);
      }
    },

    async move(bucket, from, to, opts) {
      checkObjectName(bucket, from);
      checkObjectName(bucket, to);
      const cond = hasConditions(opts) ? opts : undefined;
      // The generation is Cloud Storage's precondition; an etag alone is first resolved to the
      // generation it belongs to (the etag also changes on metadata updates; the content does not).
      let generation = cond?.ifVersion;
      if (cond && generation === undefined) {
        const now = await self.head(bucket, from);
        if (!now) return 'absent';
        if (!meets(now, cond)) return 'changed';
        generation = now.version;
      }
      const src = await file(bucket, from);
      if (cond && generation !== undefined) withQuery(src, { ifSourceGenerationMatch: generation });
      try {
        // copy() follows the rewrite token loop for large objects and keeps content headers.
        await src.copy(await file(bucket, to));
      } catch (e) {
        if (absent(e)) return 'absent';
        if (cond && codeOf(e) === 412) return 'changed';
        throw failed('move', bucket, from, e);
      }
      if (!cond) {
        await self.delete(bucket, from);
        return 'moved';
      }
      try {
        // ifGenerationMatch makes the delete idempotent too, so the SDK may retry it.
        await (await file(bucket, from)).delete({ ignoreNotFound: true, ...(generation !== undefined ? { ifGenerationMatch: generation } : {}) });
      } catch (e) {
        if (absent(e)) return 'moved';
        if (codeOf(e) === 412) return 'copied';
        throw failed('move', bucket, from, e);
      }
      return 'moved';
    },

    async delete(bucket, key) {
      checkObjectName(bucket, key);
      try {
        await (await file(bucket, key)).delete({ ignoreNotFound: true });
      } catch (e) {
        if (absent(e)) return;
        throw failed('delete', bucket, key, e);
      }
    },

    async check(bucket) {
      if (bucket) checkBucket(bucket);
      try {
        const storage = await load();
        // One object listed needs only storage.objects.list, which reading a bucket needs anyway.
        if (bucket) await storage.bucket(bucket).getFiles({ maxResults: 1, autoPaginate: false });
        else await storage.getBuckets({ maxResults: 1, autoPaginate: false });
      } catch (e) {
        throw failed('check', bucket ?? '(project)', undefined, e);
      }
    },
  };
  return self;
}
