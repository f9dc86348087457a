import { createHash } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import { MockFile, MockStorage } from 'mock-gcs';
import { describeObjectStorageContract } from '../../shared/objects/contract.testkit';
import { collectBytes } from '../../shared/objects/bytes';
import { ObjectExistsError } from '../../shared/ports/objects';
import { gcsObjects } from './objects-gcs';

/**
 * No GCS emulator runs here (TOOLING.md), so these tests run against mock-gcs, a mock of the SDK's
 * Storage/Bucket/File classes. Two gaps of the mock are filled below, each the way the real
 * service behaves, so that the adapter's own logic is what is tested:
 * - a missing object: mock-gcs throws a plain Error("No such file ..."); the SDK throws an ApiError
 *   with code 404 (https://cloud.google.com/storage/docs/json_api/v1/status-codes#404-not-found);
 * - server-assigned metadata: after a write GCS returns size, generation, etag, md5Hash and
 *   updated (https://cloud.google.com/storage/docs/json_api/v1/objects#resource); mock-gcs keeps
 *   only what the caller passed.
 * What the mock cannot express at all (preconditions, paging, ordering, listing buckets) is skipped
 * in the contract with the reason, and checked at the SDK boundary in the last describe block.
 */
let generation = 0;
const proto = MockFile.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const method of ['delete', 'getMetadata', 'download', 'copy', 'setMetadata', 'createReadStream']) {
  const original = proto[method]!;
  proto[method] = function (this: unknown, ...args: unknown[]) {
    const as404 = (e: unknown) => {
      if (e instanceof Error && e.message.startsWith('No such file')) Object.assign(e, { code: 404 });
      throw e;
    };
    try {
      const out = original.apply(this, args);
      return out instanceof Promise ? out.catch(as404) : out;
    } catch (e) {
      return as404(e);
    }
  };
}
const originalSave = proto.save!;
proto.save = async function (this: { metadata: Record<string, unknown>; contents: Buffer }, ...args: unknown[]) {
  await originalSave.apply(this, args);
  const md5Hash = createHash('md5').update(this.contents).digest('base64');
  const gen = String(++generation);
  this.metadata = { ...this.metadata, size: String(this.contents.length), md5Hash, generation: gen, etag: `${md5Hash}${gen}`, updated: '2026-01-01T00:00:00.000Z' };
};

let buckets = 0;
async function fresh() {
  const storage = new MockStorage();
  const bucket = `secorch-objects-${++buckets}`;
  return { storage, bucket, objects: gcsObjects({ storage: storage as unknown as Storage }) };
}

const NO_PAGING = 'mock-gcs getFiles ignores maxResults and pageToken and does not sort';
describeObjectStorageContract('gcs (mocked SDK: no emulator; mock-gcs)', fresh, {
  skip: {
    'if-absent': 'mock-gcs ignores preconditionOpts (ifGenerationMatch)',
    'list-pages': NO_PAGING,
    'list-order': NO_PAGING,
    'list-order-astral': NO_PAGING,
    check: 'mock-gcs has no storage.getBuckets; check(bucket) is tested below',
  },
});

describe('gcsObjects on mock-gcs (mocked SDK: no emulator)', () => {
  it('reports size, generation as version and etag from the service resource', async () => {
    const { objects, bucket } = await fresh();
    const put = await objects.put(bucket, 'k', 'abc', { contentType: 'text/plain' });
    const head = await objects.head(bucket, 'k');
    expect(head).toEqual({ ...put, lastModified: '2026-01-01T00:00:00.000Z' });
    expect(head).toMatchObject({ size: 3, contentType: 'text/plain', version: expect.stringMatching(/^\d+$/), etag: expect.stringMatching(/^[A-Za-z0-9+/=]+$/) });
  });

  it('check(bucket) lists at most one object', async () => {
    const { objects, bucket, storage } = await fresh();
    const spy = jest.spyOn(storage.bucket(bucket), 'getFiles');
    await expect(objects.check(bucket)).resolves.toBeUndefined();
    expect(spy).toHaveBeenCalledWith({ maxResults: 1, autoPaginate: false });
  });
});

/** A File/Bucket/Storage stand-in recording calls, for what mock-gcs cannot express. */
function scripted(file: Partial<Record<'save' | 'getMetadata' | 'createReadStream' | 'download', jest.Mock>>, getFiles?: jest.Mock, getBuckets?: jest.Mock) {
  const files: { key: string; options: unknown }[] = [];
  const bucket = { file: jest.fn((key: string, options: unknown) => (files.push({ key, options }), { name: key, metadata: {}, ...file })), getFiles };
  const storage = { bucket: jest.fn(() => bucket), getBuckets };
  return { files, objects: gcsObjects({ storage: storage as unknown as Storage }) };
}
const apiError = (code: number, name = 'ApiError') => Object.assign(new Error(`${name} with token ya29.secret`), { code, name });

describe('gcsObjects at the SDK boundary (mocked SDK: no emulator)', () => {
  it('ifAbsent saves with ifGenerationMatch: 0 and maps 412 to ObjectExistsError', async () => {
    const save = jest.fn().mockRejectedValue(apiError(412));
    const { objects } = scripted({ save });
    const err = await objects.put('b', 'k', 'v', { ifAbsent: true, contentType: 'text/plain', contentEncoding: 'gzip' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectExistsError);
    expect(save).toHaveBeenCalledWith(Buffer.from('v'), {
      resumable: false,
      metadata: { contentType: 'text/plain', contentEncoding: 'gzip' },
      preconditionOpts: { ifGenerationMatch: 0 },
    });
  });

  it('a plain put sets no precondition, and a 412 without ifAbsent is a storage failure', async () => {
    const save = jest.fn().mockRejectedValue(apiError(412));
    const { objects } = scripted({ save });
    await expect(objects.put('b', 'k', 'v')).rejects.toMatchObject({ code: 'object_storage_failed' });
    expect(save.mock.calls[0]![1]).not.toHaveProperty('preconditionOpts');
  });

  it('lists one page with maxResults and pageToken, and returns the next pageToken as the cursor', async () => {
    const getFiles = jest.fn()
      .mockResolvedValueOnce([[{ name: 'p/a', metadata: { size: '1', etag: 'e1', generation: '5' } }], { pageToken: 'tok-2' }])
      .mockResolvedValueOnce([[{ name: 'p/b', metadata: { size: '2', etag: 'e2' } }], null]);
    const { objects } = scripted({}, getFiles);
    expect(await objects.list('b', 'p/', { limit: 1 })).toEqual({ items: [{ bucket: 'b', key: 'p/a', size: 1, etag: 'e1', version: '5' }], next: 'tok-2' });
    expect(await objects.list('b', 'p/', { limit: 1, after: 'tok-2' })).toEqual({ items: [{ bucket: 'b', key: 'p/b', size: 2, etag: 'e2' }] });
    expect(getFiles.mock.calls).toEqual([
      [{ prefix: 'p/', maxResults: 1, autoPaginate: false }],
      [{ prefix: 'p/', maxResults: 1, autoPaginate: false, pageToken: 'tok-2' }],
    ]);
  });

  it('streams the generation head saw, without decompressing', async () => {
    const getMetadata = jest.fn().mockResolvedValue([{ size: '3', generation: '42', contentEncoding: 'gzip' }]);
    const createReadStream = jest.fn(() => (async function* () { yield new Uint8Array([1, 2, 3]); })());
    const { objects, files } = scripted({ getMetadata, createReadStream });
    const s = await objects.stream('b', 'k');
    expect(Array.from(await collectBytes(s!.body))).toEqual([1, 2, 3]);
    expect(files[files.length - 1]).toEqual({ key: 'k', options: { generation: '42' } });
    expect(createReadStream).toHaveBeenCalledWith({ decompress: false });
  });

  it('turns a read error mid-stream into object_storage_failed', async () => {
    const getMetadata = jest.fn().mockResolvedValue([{ size: '3', generation: '1' }]);
    const createReadStream = jest.fn(() => (async function* () { yield new Uint8Array([1]); throw apiError(500, 'RequestError'); })());
    const { objects } = scripted({ getMetadata, createReadStream });
    const s = await objects.stream('b', 'k');
    await expect(collectBytes(s!.body)).rejects.toMatchObject({ code: 'object_storage_failed', message: expect.stringContaining('b/k') });
  });

  it('downloads without decompressing, and hides SDK messages in failures', async () => {
    const download = jest.fn().mockRejectedValue(apiError(403, 'Forbidden'));
    const { objects } = scripted({ download });
    const err = (await objects.get('b', 'k').catch((e: unknown) => e)) as Error;
    expect(download).toHaveBeenCalledWith({ decompress: false });
    expect(err).toMatchObject({ code: 'object_storage_failed', status: 502, retryable: true });
    expect(err.message).not.toContain('ya29');
  });

  it('check() without a bucket lists one bucket of the project', async () => {
    const getBuckets = jest.fn().mockResolvedValue([[]]);
    const { objects } = scripted({}, undefined, getBuckets);
    await objects.check();
    expect(getBuckets).toHaveBeenCalledWith({ maxResults: 1, autoPaginate: false });
  });
});
