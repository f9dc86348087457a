import { AccountSASPermissions, BlobClient, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { describeObjectStorageContract } from '../../shared/objects/contract.testkit';
import { ObjectExistsError } from '../../shared/ports/objects';
import { blobObjects } from './objects-blob';

/**
 * Against the real Azurite blob service the jest global setup started on 127.0.0.1 (connection
 * string in SECORCH_TEST_AZURITE, the well-known development account). One container per test,
 * deleted afterwards.
 */
const connectionString = process.env.SECORCH_TEST_AZURITE!;
let containers = 0;

async function fresh() {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  const bucket = `secorch-objects-${process.pid}-${++containers}`;
  const container = service.getContainerClient(bucket);
  await container.create();
  // betweenCopyAndDelete: a one-shot hook run right after the next copy has started, which
  // within one account means done (beginCopyFromURL resolves after the Copy Blob request answers).
  const original = BlobClient.prototype.beginCopyFromURL;
  const copy = jest.spyOn(BlobClient.prototype, 'beginCopyFromURL');
  const betweenCopyAndDelete = (between: () => Promise<void>) => {
    copy.mockImplementationOnce(async function (this: BlobClient, ...args) {
      const out = await original.apply(this, args);
      await between();
      return out;
    });
  };
  const cleanup = async () => {
    copy.mockRestore();
    await container.delete();
  };
  return { service, container, bucket, objects: blobObjects({ service }), cleanup, betweenCopyAndDelete };
}

describeObjectStorageContract('azure blob (Azurite)', fresh, {
  skip: {
    'list-order-astral': 'Azurite 3.35 sorts by UTF-16 code units; Azure documents only "alphabetical order"',
  },
});

describe('blobObjects against Azurite', () => {
  let sut: Awaited<ReturnType<typeof fresh>>;
  beforeEach(async () => {
    expect(connectionString).toMatch(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/);
    sut = await fresh();
  });
  afterEach(() => sut.cleanup());

  it('reports the ETag Azure stores, without its quotes', async () => {
    const put = await sut.objects.put(sut.bucket, 'k', 'v');
    const raw = await sut.container.getBlockBlobClient('k').getProperties();
    expect(raw.etag).toMatch(/^".+"$/);
    expect(put.etag).toBe(raw.etag!.slice(1, -1));
    expect((await sut.objects.head(sut.bucket, 'k'))?.etag).toBe(put.etag);
  });

  it('lets exactly one of many concurrent ifAbsent writers win (the service enforces If-None-Match: *)', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => sut.objects.put(sut.bucket, 'claim', `writer ${i}`, { ifAbsent: true })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ObjectExistsError);
    expect(Buffer.from((await sut.objects.get(sut.bucket, 'claim'))!).toString()).toBe(`writer ${won[0]}`);
  });

  it('moves with a SAS-only client (the source URL carries the SAS) and with the connection string', async () => {
    // An account SAS signed with the shared key of the connection string (the well-known dev key).
    const sasUrl = sut.service.generateAccountSasUrl(new Date(Date.now() + 3600_000), AccountSASPermissions.parse('rwdlac'), 'sco');
    expect(sasUrl).toContain('sig=');
    const sasOnly = blobObjects({ service: new BlobServiceClient(sasUrl) });
    await sasOnly.put(sut.bucket, 'in/a b.json', '{}', { contentType: 'application/json' });
    await sasOnly.move(sut.bucket, 'in/a b.json', 'out/ä b.json');
    expect(await sut.objects.head(sut.bucket, 'in/a b.json')).toBeUndefined();
    expect(await sut.objects.head(sut.bucket, 'out/ä b.json')).toMatchObject({ size: 2, contentType: 'application/json' });

    const fromString = blobObjects({ connectionString });
    await fromString.move(sut.bucket, 'out/ä b.json', 'back/a.json');
    expect(Buffer.from((await fromString.get(sut.bucket, 'back/a.json'))!).toString()).toBe('{}');
    await expect(fromString.move(sut.bucket, 'no/such', 'x')).resolves.toBe('absent');
    expect(await fromString.head(sut.bucket, 'x')).toBeUndefined();
  });

  it('a conditional move sends the quoted ETag as the copy source condition and the delete condition; Azurite enforces both', async () => {
    const put = await sut.objects.put(sut.bucket, 'in/r.json', '{}');
    const copy = jest.spyOn(BlobClient.prototype, 'beginCopyFromURL');
    const del = jest.spyOn(BlobClient.prototype, 'delete');
    try {
      expect(await sut.objects.move(sut.bucket, 'in/r.json', 'q/r.json', { ifMatch: put.etag! })).toBe('moved');
      expect(copy.mock.calls[0]![1]).toMatchObject({ sourceConditions: { ifMatch: `"${put.etag}"` } });
      expect(del.mock.calls[0]![0]).toMatchObject({ conditions: { ifMatch: `"${put.etag}"` }, deleteSnapshots: 'include' });
    } finally {
      copy.mockRestore();
      del.mockRestore();
    }
    // The raw service: a stale ETag fails both requests with 412.
    const stale = '"0x8DEADBEEF000000"';
    await sut.objects.put(sut.bucket, 'src', 'x');
    const dst = sut.container.getBlockBlobClient('dst');
    await expect(dst.beginCopyFromURL(sut.container.getBlockBlobClient('src').url, { sourceConditions: { ifMatch: stale } })).rejects.toMatchObject({ statusCode: 412 });
    await expect(sut.container.getBlockBlobClient('src').delete({ conditions: { ifMatch: stale } })).rejects.toMatchObject({ statusCode: 412 });
    expect(await sut.objects.head(sut.bucket, 'src')).toBeDefined();
    expect(await sut.objects.head(sut.bucket, 'dst')).toBeUndefined();
  });

  it('a version alone is resolved to the ETag it has: another version is changed, with no copy', async () => {
    const getProperties = jest.spyOn(BlobClient.prototype, 'getProperties');
    const copy = jest.spyOn(BlobClient.prototype, 'beginCopyFromURL');
    try {
      // Azurite keeps no versions; the head is made to report one.
      getProperties.mockResolvedValueOnce({ contentLength: 1, etag: '"0x1"', versionId: '2026-01-01T00:00:00.0000000Z' } as Awaited<ReturnType<BlobClient['getProperties']>>);
      expect(await sut.objects.move(sut.bucket, 'k', 'q/k', { ifVersion: '2025-12-31T00:00:00.0000000Z' })).toBe('changed');
      expect(copy).not.toHaveBeenCalled();
    } finally {
      getProperties.mockRestore();
      copy.mockRestore();
    }
  });

  it('builds its client from accountUrl and a credential', async () => {
    const credential = new StorageSharedKeyCredential('devstoreaccount1', /AccountKey=([^;]+)/.exec(connectionString)![1]!);
    const objects = blobObjects({ accountUrl: sut.service.url, credential });
    await objects.put(sut.bucket, 'k', 'v');
    expect((await objects.head(sut.bucket, 'k'))?.size).toBe(1);
    await expect(objects.check(sut.bucket)).resolves.toBeUndefined();
  });

  it('reports a missing container as object_storage_failed naming it, never the account key', async () => {
    const key = /AccountKey=([^;]+)/.exec(connectionString)![1]!;
    for (const op of [() => sut.objects.put('no-such-container', 'k', 'v'), () => sut.objects.list('no-such-container', ''), () => sut.objects.check('no-such-container')]) {
      const err = (await op().catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ code: 'object_storage_failed', status: 502, retryable: true, expose: false });
      expect(err.message).toContain('no-such-container');
      expect(err.message).toContain('ContainerNotFound');
      expect(err.message).not.toContain(key);
    }
  });

  it('refuses names the URL or the service would turn into another blob or container, before any request', async () => {
    const other = sut.service.getContainerClient(`${sut.bucket}-other`);
    await other.create();
    try {
      const invalid = { code: 'object_key_invalid', status: 400, retryable: false };
      // `../<other>/x` was written to container <other>; `a/../x` and `./x` to `x`; `a\x` to `a/x`.
      const keys = [`../${sut.bucket}-other/x`, 'a/../x', './x', 'a/./x', 'dir./x', 'x.', 'a\\x', 'tab\tx', 'del\u007fx', 'x'.repeat(1025)];
      for (const key of keys) await expect(sut.objects.put(sut.bucket, key, 'v')).rejects.toMatchObject(invalid);
      for (const bucket of ['..', `${sut.bucket}/x`, 'Upper-case', 'ab', 'a--b', '-ab', 'ab-']) await expect(sut.objects.put(bucket, 'x', 'v')).rejects.toMatchObject(invalid);
      const bad = '../x';
      for (const op of [
        () => sut.objects.get(sut.bucket, bad), () => sut.objects.stream(sut.bucket, bad), () => sut.objects.head(sut.bucket, bad),
        () => sut.objects.delete(sut.bucket, bad), () => sut.objects.move(sut.bucket, bad, 'y'), () => sut.objects.move(sut.bucket, 'y', bad),
        () => sut.objects.list('..', ''), () => sut.objects.check('..'),
      ]) await expect(op()).rejects.toMatchObject(invalid);
      expect((await other.listBlobsFlat().next()).done).toBe(true);
      expect((await sut.objects.list(sut.bucket, '')).items).toEqual([]);
      // At the limits: 1,024 characters, counted in code points.
      for (const key of ['k'.repeat(1024), '😀'.repeat(1024), 'ends/with/slash/', '.hidden/a.b/.c']) {
        await sut.objects.put(sut.bucket, key, 'v');
        expect((await sut.objects.head(sut.bucket, key))?.key).toBe(key);
      }
    } finally {
      await other.delete();
    }
  });

  it('refuses to start without a way to reach the account', () => {
    expect(() => blobObjects({})).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
