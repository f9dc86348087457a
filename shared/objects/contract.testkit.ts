import { gzipSync } from 'node:zlib';
import { ObjectExistsError, type ObjectInfo, type ObjectStorage } from '../ports/objects';
import { collectBytes } from './bytes';
import { conditionsOf } from './conditions';
import { compareKeys } from './keys';

/**
 * The contract every ObjectStorage implementation passes: memory, the local directory, S3, Azure
 * Blob and GCS run these same cases. `make` returns a store and an existing, empty bucket per test.
 * A case an emulator or mock cannot express is skipped only by naming it in `skip` with the reason,
 * which then shows in the test name; the implementation's own test covers that behaviour at the
 * SDK level instead.
 */
export interface ObjectsUnderTest {
  objects: ObjectStorage;
  bucket: string;
  cleanup?: () => Promise<void>;
  /**
   * Runs `between` once, after the copy of the next move and before its delete (the harness wraps
   * the store's client), so 'move-replaced' can replace the source in that window. A store whose
   * move has no such window, or whose harness cannot reach into it, skips that case with the reason.
   */
  betweenCopyAndDelete?: (between: () => Promise<void>) => void;
}

export type ObjectContractCase =
  | 'round-trip' | 'info' | 'content-type' | 'content-encoding' | 'missing' | 'stream-large' | 'if-absent'
  | 'overwrite' | 'list-pages' | 'list-none' | 'list-order' | 'list-order-astral' | 'odd-keys' | 'move' | 'move-if-match' | 'move-stale' | 'move-replaced' | 'delete' | 'check';

export interface ObjectContractOptions {
  /** Cases to skip, each with the reason (shown in the test name). */
  skip?: Partial<Record<ObjectContractCase, string>>;
}

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));
/** Not a multiple of any common chunk size, so a lost or doubled tail chunk shows. */
const LARGE = 2 * 1024 * 1024 + 12_345;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 11)) & 0xff);

async function walk(objects: ObjectStorage, bucket: string, prefix: string, limit: number) {
  const pages: ObjectInfo[][] = [];
  let after: string | undefined;
  do {
    const page = await objects.list(bucket, prefix, { limit, ...(after === undefined ? {} : { after }) });
    pages.push(page.items);
    after = page.next;
    if (pages.length > 1000) throw new Error('list never ends');
  } while (after !== undefined);
  return pages;
}

export function describeObjectStorageContract(
  name: string,
  make: () => Promise<ObjectsUnderTest>,
  options: ObjectContractOptions = {},
): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let sut: ObjectsUnderTest;
    let objects: ObjectStorage;
    let bucket: string;
    beforeEach(async () => {
      sut = await make();
      ({ objects, bucket } = sut);
    });
    afterEach(async () => {
      await sut?.cleanup?.();
    });
    const test = (id: ObjectContractCase, title: string, fn: () => Promise<void>) => {
      const reason = options.skip?.[id];
      if (reason) it.skip(`${title} [skipped: ${reason}]`, fn);
      else it(title, fn);
    };

    test('round-trip', 'puts and gets bytes, strings and an empty body unchanged', async () => {
      const bytes = Uint8Array.from([0, 1, 2, 0xfe, 0xff, 0x80]);
      await objects.put(bucket, 'rt/bytes.bin', bytes);
      await objects.put(bucket, 'rt/text.txt', 'héllo wörld ✓');
      await objects.put(bucket, 'rt/empty', new Uint8Array(0));
      expect(Array.from((await objects.get(bucket, 'rt/bytes.bin'))!)).toEqual(Array.from(bytes));
      expect(text(await objects.get(bucket, 'rt/text.txt'))).toBe('héllo wörld ✓');
      expect((await objects.get(bucket, 'rt/empty'))?.byteLength).toBe(0);
      expect((await objects.get(bucket, 'rt/bytes.bin'))).toBeInstanceOf(Uint8Array);
    });

    test('info', 'reports bucket, key, size, an unquoted etag and lastModified from put, head and list', async () => {
      const put = await objects.put(bucket, 'info/a.json', '{"a":1}');
      expect(put).toMatchObject({ bucket, key: 'info/a.json', size: 7 });
      const head = await objects.head(bucket, 'info/a.json');
      expect(head).toMatchObject({ bucket, key: 'info/a.json', size: 7 });
      expect(head?.etag).toMatch(/^[^"]+$/);
      expect(Number.isNaN(Date.parse(head?.lastModified ?? 'x'))).toBe(false);
      const listed = (await objects.list(bucket, 'info/')).items;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ bucket, key: 'info/a.json', size: 7, etag: head?.etag });
      await objects.put(bucket, 'info/a.json', '{"a":2,"b":3}');
      const changed = await objects.head(bucket, 'info/a.json');
      expect(changed?.size).toBe(13);
      expect(changed?.etag).not.toBe(head?.etag);
    });

    test('content-type', 'keeps contentType in head and stream info', async () => {
      await objects.put(bucket, 'ct/report.csv', 'a,b\n1,2\n', { contentType: 'text/csv; charset=utf-8' });
      expect((await objects.head(bucket, 'ct/report.csv'))?.contentType).toBe('text/csv; charset=utf-8');
      const s = await objects.stream(bucket, 'ct/report.csv');
      expect(s?.info).toMatchObject({ key: 'ct/report.csv', size: 8, contentType: 'text/csv; charset=utf-8' });
      expect(text(await collectBytes(s!.body))).toBe('a,b\n1,2\n');
    });

    test('content-encoding', 'keeps contentEncoding, and returns the stored (still compressed) bytes', async () => {
      const gz = gzipSync(Buffer.from('{"findings":[]}'.repeat(100)));
      await objects.put(bucket, 'ce/report.json.gz', gz, { contentType: 'application/json', contentEncoding: 'gzip' });
      expect(await objects.head(bucket, 'ce/report.json.gz')).toMatchObject({
        contentType: 'application/json', contentEncoding: 'gzip', size: gz.length,
      });
      const s = await objects.stream(bucket, 'ce/report.json.gz');
      expect(s?.info).toMatchObject({ contentEncoding: 'gzip', size: gz.length });
      expect(Buffer.from(await collectBytes(s!.body)).equals(gz)).toBe(true);
      expect(Buffer.from((await objects.get(bucket, 'ce/report.json.gz'))!).equals(gz)).toBe(true);
    });

    test('missing', 'answers undefined for get, head and stream of a missing key', async () => {
      await objects.put(bucket, 'present', 'x');
      expect(await objects.get(bucket, 'absent')).toBeUndefined();
      expect(await objects.head(bucket, 'absent')).toBeUndefined();
      expect(await objects.stream(bucket, 'absent')).toBeUndefined();
      expect(await objects.head(bucket, 'present/child')).toBeUndefined();
    });

    test('stream-large', 'streams a multi-megabyte object in several Uint8Array chunks equal to what was put', async () => {
      const body = pattern(LARGE);
      await objects.put(bucket, 'big/report.bin', body, { contentType: 'application/octet-stream' });
      const s = await objects.stream(bucket, 'big/report.bin');
      expect(s?.info.size).toBe(LARGE);
      let chunks = 0;
      const iterator = s!.body[Symbol.asyncIterator]();
      const seen: Uint8Array[] = [];
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        expect(r.value).toBeInstanceOf(Uint8Array);
        seen.push(r.value);
        chunks++;
      }
      expect(chunks).toBeGreaterThan(1);
      const got = await collectBytes((async function* () { yield* seen; })());
      expect(got.byteLength).toBe(LARGE);
      expect(Buffer.from(got).equals(Buffer.from(body))).toBe(true);
    });

    test('if-absent', 'ifAbsent writes a new key, and on an existing key throws ObjectExistsError leaving it unchanged', async () => {
      const first = await objects.put(bucket, 'once/claim', 'first', { ifAbsent: true, contentType: 'text/plain' });
      expect(first.size).toBe(5);
      const err = await objects.put(bucket, 'once/claim', 'second!', { ifAbsent: true, contentType: 'application/x-other' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectExistsError);
      expect(err).toMatchObject({ code: 'object_exists', bucket, key: 'once/claim' });
      expect(text(await objects.get(bucket, 'once/claim'))).toBe('first');
      expect(await objects.head(bucket, 'once/claim')).toMatchObject({ size: 5, etag: first.etag, contentType: 'text/plain' });
    });

    test('overwrite', 'put without ifAbsent replaces the object', async () => {
      await objects.put(bucket, 'ow/k', 'old', { contentType: 'text/plain' });
      await objects.put(bucket, 'ow/k', 'newer', { contentType: 'application/json' });
      expect(text(await objects.get(bucket, 'ow/k'))).toBe('newer');
      expect(await objects.head(bucket, 'ow/k')).toMatchObject({ size: 5, contentType: 'application/json' });
    });

    test('list-pages', 'lists a prefix in key order a page at a time, with no duplicates and no misses', async () => {
      const keys = Array.from({ length: 23 }, (_, i) => `pages/2026/k-${String(i).padStart(3, '0')}.json`);
      const decoys = ['pagez', 'page', 'other/pages/x', 'pages.json'];
      for (const k of [...keys].reverse().concat(decoys)) await objects.put(bucket, k, k);
      const pages = await walk(objects, bucket, 'pages/', 5);
      expect(pages.length).toBeGreaterThanOrEqual(5);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(5);
      const listed = pages.flat().map((i) => i.key);
      expect(listed).toEqual(keys);
      expect(pages.flat().every((i) => i.bucket === bucket && i.size === i.key.length)).toBe(true);
      const all = (await objects.list(bucket, '')).items.map((i) => i.key);
      expect(all).toEqual([...keys, ...decoys].sort(compareKeys));
      const exact = await objects.list(bucket, 'pages/2026/k-007', { limit: 100 });
      expect(exact.items.map((i) => i.key)).toEqual(['pages/2026/k-007.json']);
      expect(exact.next).toBeUndefined();
    });

    test('list-none', 'lists a prefix that matches nothing as an empty page with no cursor', async () => {
      await objects.put(bucket, 'some/thing', 'x');
      expect(await objects.list(bucket, 'nothing/here/')).toEqual({ items: [] });
      expect(await objects.list(bucket, 'some/thing/')).toEqual({ items: [] });
    });

    test('list-order', 'orders keys by their UTF-8 bytes (case, punctuation, accents) across pages', async () => {
      const keys = ['ord/b', 'ord/B', 'ord/a-b', 'ord/a.b', 'ord/a/b', 'ord/a_b', 'ord/é', 'ord/z', 'ord/1', 'ord/A', 'ord/a~', 'ord/Z'];
      for (const k of keys) await objects.put(bucket, k, 'x');
      const listed = (await walk(objects, bucket, 'ord/', 4)).flat().map((i) => i.key);
      expect(listed).toEqual([...keys].sort(compareKeys));
    });

    test('list-order-astral', 'orders a non-BMP key (U+1F600) after U+FF21, as UTF-8 does and UTF-16 does not', async () => {
      const keys = ['astral/😀', 'astral/Ａ', 'astral/\uFFEE', 'astral/z'];
      for (const k of keys) await objects.put(bucket, k, 'x');
      const listed = (await walk(objects, bucket, 'astral/', 2)).flat().map((i) => i.key);
      expect(listed).toEqual(['astral/z', 'astral/Ａ', 'astral/\uFFEE', 'astral/😀']);
    });

    test('odd-keys', 'handles keys with slashes, spaces, unicode and URL-special characters', async () => {
      const keys = ['deep/a/b/c/d.txt', 'with space/and  two.txt', 'ünïcödé/日本語/😀.txt', 'sym/a+b=c&d;e,f@g$h!.txt', 'sym/percent%20not-a-space', 'sym/hash#q?x=1'];
      for (const k of keys) await objects.put(bucket, k, `body of ${k}`);
      for (const k of keys) {
        expect(text(await objects.get(bucket, k))).toBe(`body of ${k}`);
        expect((await objects.head(bucket, k))?.key).toBe(k);
      }
      // Which keys, not their order: the order has its own case (list-order).
      expect((await objects.list(bucket, '')).items.map((i) => i.key).sort(compareKeys)).toEqual([...keys].sort(compareKeys));
      expect((await objects.list(bucket, 'ünïcödé/日本語/')).items.map((i) => i.key)).toEqual(['ünïcödé/日本語/😀.txt']);
      expect(await objects.get(bucket, 'sym/percent not-a-space')).toBeUndefined();
      for (const k of keys) await objects.delete(bucket, k);
      expect((await objects.list(bucket, '')).items).toEqual([]);
    });

    test('move', 'move puts the content under the new key and removes the old one', async () => {
      await objects.put(bucket, 'inbox/r 1.json', '{"r":1}', { contentType: 'application/json' });
      await objects.put(bucket, 'inbox/r 2.json', '{"r":2}');
      expect(await objects.move(bucket, 'inbox/r 1.json', 'quarantine/2026/r 1 ü.json')).toBe('moved');
      expect(await objects.get(bucket, 'inbox/r 1.json')).toBeUndefined();
      expect(text(await objects.get(bucket, 'quarantine/2026/r 1 ü.json'))).toBe('{"r":1}');
      expect(await objects.head(bucket, 'quarantine/2026/r 1 ü.json')).toMatchObject({ size: 7, contentType: 'application/json' });
      expect((await objects.list(bucket, '')).items.map((i) => i.key)).toEqual(['inbox/r 2.json', 'quarantine/2026/r 1 ü.json']);
      expect(await objects.move(bucket, 'inbox/never', 'quarantine/never')).toBe('absent');
      expect(await objects.head(bucket, 'quarantine/never')).toBeUndefined();
    });

    test('move-if-match', 'a move conditional on what head saw moves the object (etag and version, the etag alone, the version alone)', async () => {
      await objects.put(bucket, 'in/a.json', '{"a":1}', { contentType: 'application/json' });
      const a = (await objects.head(bucket, 'in/a.json'))!;
      expect(await objects.move(bucket, 'in/a.json', 'q/a.json', conditionsOf(a))).toBe('moved');
      expect(await objects.head(bucket, 'in/a.json')).toBeUndefined();
      expect(text(await objects.get(bucket, 'q/a.json'))).toBe('{"a":1}');
      expect(await objects.head(bucket, 'q/a.json')).toMatchObject({ size: 7, contentType: 'application/json' });

      await objects.put(bucket, 'in/b.json', 'b');
      const b = (await objects.head(bucket, 'in/b.json'))!;
      expect(b.etag).toBeDefined();
      expect(await objects.move(bucket, 'in/b.json', 'q/b.json', { ifMatch: b.etag! })).toBe('moved');
      expect(text(await objects.get(bucket, 'q/b.json'))).toBe('b');

      await objects.put(bucket, 'in/c.json', 'c');
      const c = (await objects.head(bucket, 'in/c.json'))!;
      // Only where the store keeps versions (not the local folder, nor S3 and Blob without versioning).
      if (c.version !== undefined) {
        expect(await objects.move(bucket, 'in/c.json', 'q/c.json', { ifVersion: c.version })).toBe('moved');
        expect(text(await objects.get(bucket, 'q/c.json'))).toBe('c');
      }
      expect((await objects.list(bucket, 'in/')).items.map((i) => i.key)).toEqual(c.version === undefined ? ['in/c.json'] : []);
    });

    test('move-stale', 'a move conditional on an object since replaced neither copies nor deletes, and says so', async () => {
      await objects.put(bucket, 'in/r.json', '{"r":"judged bad"}');
      const judged = (await objects.head(bucket, 'in/r.json'))!;
      await objects.put(bucket, 'in/r.json', '{"r":"new and good"}', { contentType: 'application/json' });
      expect(await objects.move(bucket, 'in/r.json', 'q/r.json', conditionsOf(judged))).toBe('changed');
      expect(await objects.move(bucket, 'in/r.json', 'q/r.json', { ifMatch: judged.etag! })).toBe('changed');
      if (judged.version !== undefined) expect(await objects.move(bucket, 'in/r.json', 'q/r.json', { ifVersion: judged.version })).toBe('changed');
      expect(text(await objects.get(bucket, 'in/r.json'))).toBe('{"r":"new and good"}');
      expect(await objects.head(bucket, 'in/r.json')).toMatchObject({ size: 20, contentType: 'application/json' });
      expect(await objects.head(bucket, 'q/r.json')).toBeUndefined();
      // A source that is gone: absent, and nothing written.
      expect(await objects.move(bucket, 'in/gone.json', 'q/gone.json', conditionsOf(judged))).toBe('absent');
      expect((await objects.list(bucket, '')).items.map((i) => i.key)).toEqual(['in/r.json']);
    });

    test('move-replaced', 'a source replaced between the copy and the delete is not deleted: the copy holds the object named, the key the new one', async () => {
      if (!sut.betweenCopyAndDelete) throw new Error('this harness has no betweenCopyAndDelete: skip move-replaced with the reason');
      await objects.put(bucket, 'in/x.json', '{"x":"judged bad"}');
      const judged = (await objects.head(bucket, 'in/x.json'))!;
      sut.betweenCopyAndDelete(async () => {
        await objects.put(bucket, 'in/x.json', '{"x":"new and good"}');
      });
      expect(await objects.move(bucket, 'in/x.json', 'q/x.json', conditionsOf(judged))).toBe('copied');
      expect(text(await objects.get(bucket, 'in/x.json'))).toBe('{"x":"new and good"}');
      expect(text(await objects.get(bucket, 'q/x.json'))).toBe('{"x":"judged bad"}');
    });

    test('delete', 'delete removes the object and is idempotent', async () => {
      await objects.put(bucket, 'del/k', 'x');
      await objects.put(bucket, 'del/keep', 'y');
      await objects.delete(bucket, 'del/k');
      expect(await objects.head(bucket, 'del/k')).toBeUndefined();
      await expect(objects.delete(bucket, 'del/k')).resolves.toBeUndefined();
      await expect(objects.delete(bucket, 'never/was')).resolves.toBeUndefined();
      expect((await objects.list(bucket, 'del/')).items.map((i) => i.key)).toEqual(['del/keep']);
    });

    test('check', 'check resolves for the store and for the bucket', async () => {
      await expect(objects.check()).resolves.toBeUndefined();
      await expect(objects.check(bucket)).resolves.toBeUndefined();
    });
  });
}
