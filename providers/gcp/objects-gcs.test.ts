import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Storage } from '@google-cloud/storage';
import { MockFile, MockStorage } from 'mock-gcs';
import { describeObjectStorageContract } from '../../shared/objects/contract.testkit';
import { collectBytes } from '../../shared/objects/bytes';
import { conditionsOf } from '../../shared/objects/conditions';
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
 * in the contract with the reason, and checked at the SDK boundary in the last describe blocks:
 * the move's preconditions against a stand-in for the JSON API (real SDK, real HTTP requests).
 * mock-gcs has no request layer, hence no request interceptors: each File gets an empty list,
 * which the adapter's source precondition (withQuery in objects-gcs.ts) is pushed onto and lost.
 */
Object.defineProperty(MockFile.prototype, 'interceptors', { get: () => [], configurable: true });
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
const NO_PRECONDITIONS = 'mock-gcs ignores ifSourceGenerationMatch and ifGenerationMatch; tested against the JSON API stand-in below';
describeObjectStorageContract('gcs (mocked SDK: no emulator; mock-gcs)', fresh, {
  skip: {
    'if-absent': 'mock-gcs ignores preconditionOpts (ifGenerationMatch)',
    'list-pages': NO_PAGING,
    'list-order': NO_PAGING,
    'list-order-astral': NO_PAGING,
    check: 'mock-gcs has no storage.getBuckets; check(bucket) is tested below',
    'move-stale': NO_PRECONDITIONS,
    'move-replaced': NO_PRECONDITIONS,
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
    const err = await objects.put('bkt', 'k', 'v', { ifAbsent: true, contentType: 'text/plain', contentEncoding: 'gzip' }).catch((e: unknown) => e);
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
    await expect(objects.put('bkt', 'k', 'v')).rejects.toMatchObject({ code: 'object_storage_failed' });
    expect(save.mock.calls[0]![1]).not.toHaveProperty('preconditionOpts');
  });

  it('lists one page with maxResults and pageToken, and returns the next pageToken as the cursor', async () => {
    const getFiles = jest.fn()
      .mockResolvedValueOnce([[{ name: 'p/a', metadata: { size: '1', etag: 'e1', generation: '5' } }], { pageToken: 'tok-2' }])
      .mockResolvedValueOnce([[{ name: 'p/b', metadata: { size: '2', etag: 'e2' } }], null]);
    const { objects } = scripted({}, getFiles);
    expect(await objects.list('bkt', 'p/', { limit: 1 })).toEqual({ items: [{ bucket: 'bkt', key: 'p/a', size: 1, etag: 'e1', version: '5' }], next: 'tok-2' });
    expect(await objects.list('bkt', 'p/', { limit: 1, after: 'tok-2' })).toEqual({ items: [{ bucket: 'bkt', key: 'p/b', size: 2, etag: 'e2' }] });
    expect(getFiles.mock.calls).toEqual([
      [{ prefix: 'p/', maxResults: 1, autoPaginate: false }],
      [{ prefix: 'p/', maxResults: 1, autoPaginate: false, pageToken: 'tok-2' }],
    ]);
  });

  it('streams the generation head saw, without decompressing', async () => {
    const getMetadata = jest.fn().mockResolvedValue([{ size: '3', generation: '42', contentEncoding: 'gzip' }]);
    const createReadStream = jest.fn(() => (async function* () { yield new Uint8Array([1, 2, 3]); })());
    const { objects, files } = scripted({ getMetadata, createReadStream });
    const s = await objects.stream('bkt', 'k');
    expect(Array.from(await collectBytes(s!.body))).toEqual([1, 2, 3]);
    expect(files[files.length - 1]).toEqual({ key: 'k', options: { generation: '42' } });
    expect(createReadStream).toHaveBeenCalledWith({ decompress: false });
  });

  it('turns a read error mid-stream into object_storage_failed', async () => {
    const getMetadata = jest.fn().mockResolvedValue([{ size: '3', generation: '1' }]);
    const createReadStream = jest.fn(() => (async function* () { yield new Uint8Array([1]); throw apiError(500, 'RequestError'); })());
    const { objects } = scripted({ getMetadata, createReadStream });
    const s = await objects.stream('bkt', 'k');
    await expect(collectBytes(s!.body)).rejects.toMatchObject({ code: 'object_storage_failed', message: expect.stringContaining('bkt/k') });
  });

  it('downloads without decompressing, and hides SDK messages in failures', async () => {
    const download = jest.fn().mockRejectedValue(apiError(403, 'Forbidden'));
    const { objects } = scripted({ download });
    const err = (await objects.get('bkt', 'k').catch((e: unknown) => e)) as Error;
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

/**
 * A stand-in for the Cloud Storage JSON API: not an emulator (none runs here, TOOLING.md), it
 * serves only what move sends (objects.get for metadata, objects.rewrite, objects.delete), with
 * the service's generation preconditions and error shape
 * (https://cloud.google.com/storage/docs/json_api/v1/objects/rewrite, .../delete): a wrong
 * generation is 412 conditionNotMet, a missing object 404. The store under test is the real SDK
 * over HTTP, so what is checked is what goes on the wire.
 */
async function jsonApi() {
  const held = new Map<string, { generation: number; body: string; contentType?: string }>();
  let generations = 1000;
  const requests: { method: string; name: string; query: Record<string, string> }[] = [];
  /** Every request as it arrived, path still encoded, whatever it asked for. */
  const wire: string[] = [];
  let afterRewrite: (() => void) | undefined;
  /** Rewrite calls still to answer with a rewriteToken (not done), as for a large object. */
  let partial = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      wire.push(`${req.method} ${req.url}`);
      const url = new URL(req.url!, 'http://stand-in');
      const query = Object.fromEntries(url.searchParams);
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      const fail = (code: number, reason: string) => send(code, { error: { code, message: reason, errors: [{ reason, message: reason, domain: 'global' }] } });
      const m = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)(?:\/rewriteTo\/b\/[^/]+\/o\/([^/]+))?$/.exec(url.pathname);
      if (!m) return fail(400, 'invalid');
      const [bucket, name, target] = [m[1]!, decodeURIComponent(m[2]!), m[3] && decodeURIComponent(m[3])];
      requests.push({ method: req.method!, name: target ? `${name} -> ${target}` : name, query });
      const object = held.get(name);
      const resource = (key: string, o: { generation: number; body: string; contentType?: string }) => ({
        kind: 'storage#object', bucket, name: key, generation: String(o.generation), metageneration: '1', size: String(o.body.length),
        etag: `CK${o.generation}`, md5Hash: createHash('md5').update(o.body).digest('base64'), updated: '2026-01-01T00:00:00.000Z', ...(o.contentType ? { contentType: o.contentType } : {}),
      });
      if (!object) return fail(404, 'notFound');
      if (req.method === 'GET' && !target) return send(200, resource(name, object));
      if (req.method === 'POST' && target) {
        if (query.ifSourceGenerationMatch !== undefined && query.ifSourceGenerationMatch !== String(object.generation)) return fail(412, 'conditionNotMet');
        if (partial > 0) {
          partial -= 1;
          return send(200, { kind: 'storage#rewriteResponse', totalBytesRewritten: '1', objectSize: String(object.body.length), done: false, rewriteToken: `token-${partial}` });
        }
        const copy = { ...object, generation: ++generations };
        held.set(target, copy);
        const run = afterRewrite;
        afterRewrite = undefined;
        run?.();
        const size = String(object.body.length);
        return send(200, { kind: 'storage#rewriteResponse', totalBytesRewritten: size, objectSize: size, done: true, resource: resource(target, copy) });
      }
      if (req.method === 'DELETE' && !target) {
        if (query.ifGenerationMatch !== undefined && query.ifGenerationMatch !== String(object.generation)) return fail(412, 'conditionNotMet');
        held.delete(name);
        return send(204);
      }
      return fail(400, 'unsupported by the stand-in');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    objects: gcsObjects({ apiEndpoint: `http://127.0.0.1:${port}`, projectId: 'test-project' }),
    requests,
    wire,
    /** Writes `key` as a new generation and returns what head would report of it. */
    put(key: string, body: string, contentType?: string) {
      const o = { generation: ++generations, body, ...(contentType ? { contentType } : {}) };
      held.set(key, o);
      return { etag: `CK${o.generation}`, version: String(o.generation) };
    },
    body: (key: string) => held.get(key)?.body,
    keys: () => [...held.keys()].sort(),
    afterRewrite: (run: () => void) => void (afterRewrite = run),
    partialRewrites: (n: number) => void (partial = n),
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe('gcsObjects move against a JSON API stand-in (real SDK over HTTP; no emulator)', () => {
  let api: Awaited<ReturnType<typeof jsonApi>>;
  beforeEach(async () => {
    api = await jsonApi();
  });
  afterEach(() => api.close());

  it('sends ifSourceGenerationMatch on the rewrite and ifGenerationMatch on the delete', async () => {
    const judged = api.put('in/r 1.json', 'bad', 'application/json');
    expect(await api.objects.move('reports', 'in/r 1.json', 'q/r 1.json', conditionsOf(judged))).toBe('moved');
    expect(api.requests).toEqual([
      { method: 'POST', name: 'in/r 1.json -> q/r 1.json', query: { ifSourceGenerationMatch: judged.version } },
      { method: 'DELETE', name: 'in/r 1.json', query: { ifGenerationMatch: judged.version } },
    ]);
    expect(api.keys()).toEqual(['q/r 1.json']);
    expect(api.body('q/r 1.json')).toBe('bad');
  });

  it('a generation since replaced: 412 on the rewrite, changed, and no delete is sent', async () => {
    const judged = api.put('in/r.json', 'bad');
    api.put('in/r.json', 'new and good');
    expect(await api.objects.move('reports', 'in/r.json', 'q/r.json', conditionsOf(judged))).toBe('changed');
    expect(api.requests.map((r) => r.method)).toEqual(['POST']);
    expect(api.keys()).toEqual(['in/r.json']);
    expect(api.body('in/r.json')).toBe('new and good');
  });

  it('replaced between the rewrite and the delete: 412 on the delete, copied, the new object kept', async () => {
    const judged = api.put('in/x.json', 'bad');
    api.afterRewrite(() => void api.put('in/x.json', 'new and good'));
    expect(await api.objects.move('reports', 'in/x.json', 'q/x.json', conditionsOf(judged))).toBe('copied');
    expect(api.requests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
    expect(api.body('in/x.json')).toBe('new and good');
    expect(api.body('q/x.json')).toBe('bad');
  });

  it('an etag alone is resolved to its generation by a metadata read; a stale etag is changed without a rewrite', async () => {
    const judged = api.put('in/e.json', 'bad');
    expect(await api.objects.move('reports', 'in/e.json', 'q/e.json', { ifMatch: judged.etag })).toBe('moved');
    expect(api.requests.map((r) => [r.method, r.query])).toEqual([['GET', {}], ['POST', { ifSourceGenerationMatch: judged.version }], ['DELETE', { ifGenerationMatch: judged.version }]]);
    const stale = api.put('in/s.json', 'bad');
    api.put('in/s.json', 'new');
    api.requests.length = 0;
    expect(await api.objects.move('reports', 'in/s.json', 'q/s.json', { ifMatch: stale.etag })).toBe('changed');
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('a rewrite in several calls (a large object) repeats the source precondition on each', async () => {
    const judged = api.put('big', 'x'.repeat(100));
    api.partialRewrites(2);
    expect(await api.objects.move('reports', 'big', 'q/big', conditionsOf(judged))).toBe('moved');
    expect(api.requests.map((r) => [r.method, r.query])).toEqual([
      ['POST', { ifSourceGenerationMatch: judged.version }],
      ['POST', { ifSourceGenerationMatch: judged.version, rewriteToken: 'token-1' }],
      ['POST', { ifSourceGenerationMatch: judged.version, rewriteToken: 'token-0' }],
      ['DELETE', { ifGenerationMatch: judged.version }],
    ]);
  });

  it('a missing source is absent; a move without conditions sends no precondition', async () => {
    expect(await api.objects.move('reports', 'none', 'q/none', { ifVersion: '7' })).toBe('absent');
    api.put('plain', 'x');
    api.requests.length = 0;
    expect(await api.objects.move('reports', 'plain', 'q/plain')).toBe('moved');
    expect(api.requests).toEqual([{ method: 'POST', name: 'plain -> q/plain', query: {} }, { method: 'DELETE', name: 'plain', query: {} }]);
  });
});

describe('gcsObjects names (real SDK over HTTP against the stand-in; no emulator)', () => {
  let api: Awaited<ReturnType<typeof jsonApi>>;
  beforeEach(async () => {
    api = await jsonApi();
  });
  afterEach(() => api.close());
  const invalid = { code: 'object_key_invalid', status: 400, retryable: false };

  it('refuses names Cloud Storage refuses or the request URL would turn into another resource, before any request', async () => {
    const o = api.objects;
    // `..` was sent as GET and DELETE /storage/v1/b/reports/ (the bucket itself) and `.` as
    // /storage/v1/b/reports/o/ (the object list); CR, LF, the ACME prefix and names over 1,024
    // bytes of UTF-8 are the service's 400s; a lone surrogate has no UTF-8 form.
    const keys = ['..', '.', 'a\nb', 'a\rb', '.well-known/acme-challenge/token', 'k'.repeat(1025), `${'😀'.repeat(256)}k`, '', 'x\ud800'];
    for (const key of keys) {
      for (const op of [
        () => o.get('reports', key), () => o.stream('reports', key), () => o.head('reports', key), () => o.delete('reports', key),
        () => o.put('reports', key, 'v'), () => o.move('reports', key, 'y'), () => o.move('reports', 'y', key), () => o.move('reports', key, 'y', { ifVersion: '1' }),
      ]) await expect(op()).rejects.toMatchObject(invalid);
    }
    // The SDK puts the bucket in the path as it is: `..` was /storage/v1/o/x, `a/b` bucket a, `x?y` a query.
    for (const bucket of ['..', 'a/b', 'x?y', 'r#s', 'gs://reports', 'ab', 'Reports', '-ab', 'ab-', 'a'.repeat(64), `${'a'.repeat(64)}.b`, `${'a.'.repeat(111)}a`]) {
      for (const op of [() => o.head(bucket, 'x'), () => o.put(bucket, 'x', 'v'), () => o.list(bucket, ''), () => o.check(bucket), () => o.move(bucket, 'x', 'y')]) {
        await expect(op()).rejects.toMatchObject(invalid);
      }
    }
    for (const op of [() => o.head('', 'x'), () => o.put('', 'x', 'v'), () => o.list('', '')]) await expect(op()).rejects.toMatchObject(invalid);
    expect(api.wire).toEqual([]);
  });

  it('sends every other name as it is, dots and backslashes included, up to 1,024 bytes', async () => {
    const keys = ['a/../b', './x', 'x.', 'a\\b', 'tab\tx', '.well-known/acme-challenge', 'x/.well-known/acme-challenge/t', '...', 'k'.repeat(1024), '😀'.repeat(256)];
    for (const key of keys) expect(await api.objects.head('reports', key)).toBeUndefined();
    expect(api.requests.map((r) => r.name)).toEqual(keys);
    for (const bucket of ['abc', 'my_bucket-1', 'a'.repeat(63), `${'a'.repeat(63)}.b`, `${'a'.repeat(62)}.`.repeat(3) + 'abcd']) {
      expect(await api.objects.head(bucket, 'x')).toBeUndefined();
    }
    expect(api.wire).toHaveLength(keys.length + 5);
  });
});
