import type { TokenCredential } from '@azure/core-auth';
import type { AnonymousCredential, BlobItem, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { errors } from '../../shared/errors';
import { collectBytes, guardBody, toBytes } from '../../shared/objects/bytes';
import { storageFailed } from '../../shared/objects/errors';
import { type ObjectInfo, type ObjectStorage, ObjectExistsError } from '../../shared/ports/objects';
import { once } from '../common/once';

export interface BlobObjectsOptions {
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
const unquote = (etag: string | undefined) => etag?.replace(/^(W\/)?"(.*)"$/, '$2');

interface BlobProps {
  contentLength?: number;
  etag?: string;
  versionId?: string;
  contentType?: string;
  contentEncoding?: string;
  lastModified?: Date;
}

function infoOf(bucket: string, key: string, p: BlobProps): ObjectInfo {
  const info: ObjectInfo = { bucket, key, size: p.contentLength ?? 0 };
  const etag = unquote(p.etag);
  if (etag) info.etag = etag;
  if (p.versionId) info.version = p.versionId;
  if (p.contentType) info.contentType = p.contentType;
  if (p.contentEncoding) info.contentEncoding = p.contentEncoding;
  if (p.lastModified) info.lastModified = p.lastModified.toISOString();
  return info;
}

/**
 * Object storage on Azure Blob Storage; the container is the bucket. ifAbsent is the
 * `If-None-Match: *` condition, which Put Blob enforces atomically (409 BlobAlreadyExists):
 * https://learn.microsoft.com/en-us/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations
 * The list cursor is Azure's continuation marker, passed back as is. A 404 on a read means absent.
 */
export function blobObjects(opts: BlobObjectsOptions): ObjectStorage {
  if (!opts.service && !opts.connectionString && !opts.accountUrl) throw errors.config('blobObjects needs service, connectionString or accountUrl');
  const load = once(async () => {
    const sdk = await import('@azure/storage-blob');
    if (opts.service) return opts.service;
    if (opts.connectionString) return sdk.BlobServiceClient.fromConnectionString(opts.connectionString);
    return new sdk.BlobServiceClient(opts.accountUrl!, opts.credential);
  });
  const blob = async (bucket: string, key: string) => (await load()).getContainerClient(bucket).getBlockBlobClient(key);

  async function download(bucket: string, key: string) {
    try {
      return await (await blob(bucket, key)).download();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw storageFailed('get', bucket, key, failure(e));
    }
  }

  const self: ObjectStorage = {
    async put(bucket, key, body, put = {}) {
      const data = toBytes(body);
      try {
        const out = await (await blob(bucket, key)).upload(data, data.byteLength, {
          blobHTTPHeaders: { blobContentType: put.contentType, blobContentEncoding: put.contentEncoding },
          conditions: put.ifAbsent ? { ifNoneMatch: '*' } : undefined,
        });
        return infoOf(bucket, key, { ...out, contentLength: data.byteLength, contentType: put.contentType, contentEncoding: put.contentEncoding });
      } catch (e) {
        if (put.ifAbsent && (statusOf(e) === 409 || statusOf(e) === 412)) throw new ObjectExistsError(bucket, key);
        throw storageFailed('put', bucket, key, failure(e));
      }
    },

    async get(bucket, key) {
      const out = await download(bucket, key);
      if (!out) return undefined;
      try {
        return await collectBytes(out.readableStreamBody as AsyncIterable<Uint8Array>);
      } catch (e) {
        throw storageFailed('get', bucket, key, failure(e));
      }
    },

    async stream(bucket, key) {
      const out = await download(bucket, key);
      // readableStreamBody is a Node Readable (async-iterable Buffers) that resumes after a broken
      // connection; it is undefined only in browsers.
      if (!out) return undefined;
      const body = out.readableStreamBody as AsyncIterable<Uint8Array>;
      return { info: infoOf(bucket, key, out), body: guardBody(body, (e) => storageFailed('stream', bucket, key, failure(e))) };
    },

    async head(bucket, key) {
      try {
        return infoOf(bucket, key, await (await blob(bucket, key)).getProperties());
      } catch (e) {
        if (statusOf(e) === 404) return undefined;
        throw storageFailed('head', bucket, key, failure(e));
      }
    },

    async list(bucket, prefix, opts = {}) {
      try {
        const pages = (await load()).getContainerClient(bucket).listBlobsFlat({ prefix })
          .byPage({ maxPageSize: opts.limit ?? 1000, ...(opts.after ? { continuationToken: opts.after } : {}) });
        const page = (await pages.next()).value;
        const items = (page?.segment.blobItems ?? []).map((b: BlobItem) => infoOf(bucket, b.name, { ...b.properties, versionId: b.versionId }));
        return page?.continuationToken ? { items, next: page.continuationToken } : { items };
      } catch (e) {
        throw storageFailed('list', bucket, prefix, failure(e));
      }
    },

    async move(bucket, from, to) {
      const [src, dst] = [await blob(bucket, from), await blob(bucket, to)];
      try {
        // Copy Blob within one account is authorized by this request's own credential (shared
        // key, SAS or Entra ID) and completes synchronously, so the poller is done at once:
        // https://learn.microsoft.com/en-us/rest/api/storageservices/copy-blob
        const poller = await dst.beginCopyFromURL(src.url, { intervalInMs: 200 });
        await poller.pollUntilDone();
      } catch (e) {
        if (statusOf(e) === 404) return;
        throw storageFailed('move', bucket, from, failure(e));
      }
      await self.delete(bucket, from);
    },

    async delete(bucket, key) {
      try {
        await (await blob(bucket, key)).deleteIfExists({ deleteSnapshots: 'include' });
      } catch (e) {
        throw storageFailed('delete', bucket, key, failure(e));
      }
    },

    async check(bucket) {
      try {
        const service = await load();
        if (bucket) await service.getContainerClient(bucket).getProperties();
        else await service.getProperties();
      } catch (e) {
        throw storageFailed('check', bucket ?? '(account)', undefined, failure(e));
      }
    },
  };
  return self;
}
