import type { TokenCredential } from '@azure/core-auth';
import type { AnonymousCredential, BlobItem, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { errors } from '../../shared/errors';
import { collectBytes, guardBody, toBytes } from '../../shared/objects/bytes';
import { hasConditions, meets, quoteEtag } from '../../shared/objects/conditions';
import { storageFailed } from '../../shared/objects/errors';
import { type ObjectStorage, ObjectExistsError } from '../../shared/ports/objects';
import { once } from '../common/once';
import { checkBlobName, checkContainer } from './blob-names';
import { infoOf } from './objects-blob-info';
import { type AzureTimeouts, DEFAULT_TRY_TIMEOUT_MS, storageRetryOptions, withDeadline } from './client-options';
import { objectsUnavailable } from './unavailable';

export interface BlobObjectsOptions extends AzureTimeouts {
  /** Account connection string (shared key or SAS), e.g. from AzureWebJobsStorage. */
  connectionString?: string;
  /** `https://<account>.blob.core.windows.net`, used with credential (e.g. DefaultAzureCredential). */
  accountUrl?: string;
  credential?: TokenCredential | StorageSharedKeyCredential | AnonymousCredential;
  /** A ready client (tests, or a root that shares one). */
  service?: BlobServiceClient;
}

type RestError = { code?: string; name?: string; statusCode?: number };
const statusOf = (e: unknown) => (e as RestError)?.statusCode;
const failure = (e: unknown) => ({ reason: (e as RestError)?.code ?? (e as RestError)?.name ?? 'Error', httpStatus: statusOf(e) });
/** Blob Storage unreachable (a 503 the caller may retry), else the service's refusal (object_storage_failed). */
const failed = (op: string, bucket: string, key: string | undefined, e: unknown) =>
  objectsUnavailable(op, bucket, key, e) ?? storageFailed(op, bucket, key, failure(e));

/**
 * Object storage on Azure Blob Storage; the container is the bucket. ifAbsent is the
 * `If-None-Match: *` condition, which Put Blob enforces atomically (409 BlobAlreadyExists):
 * https://learn.microsoft.com/en-us/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations
 * The list cursor is Azure's continuation marker, passed back as is. A 404 on a read means absent.
 * Names the service would take for another blob or container are refused first (blob-names.ts).
 */
export function blobObjects(opts: BlobObjectsOptions): ObjectStorage {
  if (!opts.service && !opts.connectionString && !opts.accountUrl) throw errors.config('blobObjects needs service, connectionString or accountUrl');
  const load = once(async () => {
    const sdk = await import('@azure/storage-blob');
    if (opts.service) return opts.service;
    const options = { retryOptions: storageRetryOptions(opts) };
    if (opts.connectionString) return sdk.BlobServiceClient.fromConnectionString(opts.connectionString, options);
    return new sdk.BlobServiceClient(opts.accountUrl!, opts.credential, options);
  });
  // Every call is bounded (client-options.ts): a download until its headers, its body streams on.
  const bounded = <T>(run: (abortSignal: AbortSignal) => Promise<T>) => withDeadline(opts.tryTimeoutMs ?? DEFAULT_TRY_TIMEOUT_MS, run);
  const blob = async (bucket: string, key: string) => (await load()).getContainerClient(bucket).getBlockBlobClient(key);

  async function download(bucket: string, key: string) {
    checkBlobName(bucket, key);
    try {
      const client = await blob(bucket, key);
      return await bounded((abortSignal) => client.download(0, undefined, { abortSignal }));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw failed('get', bucket, key, e);
    }
  }

  const self: ObjectStorage = {
    async put(bucket, key, body, put = {}) {
      checkBlobName(bucket, key);
      const data = toBytes(body);
      try {
        const client = await blob(bucket, key);
        const out = await bounded((abortSignal) => client.upload(data, data.byteLength, {
          blobHTTPHeaders: { blobContentType: put.contentType, blobContentEncoding: put.contentEncoding },
          conditions: put.ifAbsent ? { ifNoneMatch: '*' } : undefined,
          abortSignal,
        }));
        return infoOf(bucket, key, { ...out, contentLength: data.byteLength, contentType: put.contentType, contentEncoding: put.contentEncoding });
      } catch (e) {
        if (put.ifAbsent && (statusOf(e) === 409 || statusOf(e) === 412)) throw new ObjectExistsError(bucket, key);
        throw failed('put', bucket, key, e);
      }
    },

    async get(bucket, key) {
      const out = await download(bucket, key);
      if (!out) return undefined;
      try {
        return await collectBytes(out.readableStreamBody as AsyncIterable<Uint8Array>);
      } catch (e) {
        throw failed('get', bucket, key, e);
      }
    },

    async stream(bucket, key) {
      const out = await download(bucket, key);
      // readableStreamBody is a Node Readable (async-iterable Buffers) that resumes after a broken
      // connection; it is undefined only in browsers.
      if (!out) return undefined;
      const body = out.readableStreamBody as AsyncIterable<Uint8Array>;
      return { info: infoOf(bucket, key, out), body: guardBody(body, (e) => failed('stream', bucket, key, e)) };
    },

    async head(bucket, key) {
      checkBlobName(bucket, key);
      try {
        const client = await blob(bucket, key);
        return infoOf(bucket, key, await bounded((abortSignal) => client.getProperties({ abortSignal })));
      } catch (e) {
        if (statusOf(e) === 404) return undefined;
        throw failed('head', bucket, key, e);
      }
    },

    async list(bucket, prefix, opts = {}) {
      checkContainer(bucket);
      try {
        const container = (await load()).getContainerClient(bucket);
        const page = await bounded(async (abortSignal) => (await container.listBlobsFlat({ prefix, abortSignal })
          .byPage({ maxPageSize: opts.limit ?? 1000, ...(opts.after ? { continuationToken: opts.after } : {}) }).next()).value);
        const items = (page?.segment.blobItems ?? []).map((b: BlobItem) => infoOf(bucket, b.name, { ...b.properties, versionId: b.versionId }));
        return page?.continuationToken ? { items, next: page.continuationToken } : { items };
      } catch (e) {
        throw failed('list', bucket, prefix, e);
      }
    },

    async move(bucket, from, to, opts) {
      checkBlobName(bucket, from);
      checkBlobName(bucket, to);
      const cond = hasConditions(opts) ? opts : undefined;
      // The ETag is Blob Storage's precondition, and it changes on every write of the blob; a
      // version alone is first resolved to the ETag it has.
      let etag = cond?.ifMatch;
      if (cond && etag === undefined) {
        const now = await self.head(bucket, from);
        if (!now) return 'absent';
        if (!meets(now, cond)) return 'changed';
        etag = now.etag;
      }
      const ifMatch = cond && etag !== undefined ? { ifMatch: quoteEtag(etag) } : undefined;
      const [src, dst] = [await blob(bucket, from), await blob(bucket, to)];
      try {
        // Copy Blob within one account is authorized by this request's own credential (shared
        // key, SAS or Entra ID) and completes synchronously, so the poller is done at once:
        // https://learn.microsoft.com/en-us/rest/api/storageservices/copy-blob
        // The source conditions are x-ms-source-if-match: 412 when the source has another ETag.
        await bounded(async (abortSignal) => (await dst.beginCopyFromURL(src.url, { intervalInMs: 200, abortSignal, ...(ifMatch ? { sourceConditions: ifMatch } : {}) })).pollUntilDone());
      } catch (e) {
        if (statusOf(e) === 404) return 'absent';
        if (cond && statusOf(e) === 412) return 'changed';
        throw failed('move', bucket, from, e);
      }
      if (!cond) {
        await self.delete(bucket, from);
        return 'moved';
      }
      try {
        await bounded((abortSignal) => src.delete({ deleteSnapshots: 'include', conditions: ifMatch, abortSignal }));
      } catch (e) {
        // 404: deleted meanwhile, the copy is all that is left. 412: replaced since the copy.
        if (statusOf(e) === 404) return 'moved';
        if (statusOf(e) === 412) return 'copied';
        throw failed('move', bucket, from, e);
      }
      return 'moved';
    },

    async delete(bucket, key) {
      checkBlobName(bucket, key);
      try {
        const client = await blob(bucket, key);
        await bounded((abortSignal) => client.deleteIfExists({ deleteSnapshots: 'include', abortSignal }));
      } catch (e) {
        throw failed('delete', bucket, key, e);
      }
    },

    async check(bucket) {
      if (bucket) checkContainer(bucket);
      try {
        const service = await load();
        await bounded((abortSignal) => (bucket ? service.getContainerClient(bucket).getProperties({ abortSignal }) : service.getProperties({ abortSignal })));
      } catch (e) {
        throw failed('check', bucket ?? '(account)', undefined, e);
      }
    },
  };
  return self;
}
