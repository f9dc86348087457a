import { gzipSync } from 'node:zlib';
import { ObjectExistsError } from '../ports/objects';
import { collectBytes } from './bytes';
import type { ObjectCaseTest, ObjectsUnderTest } from './contract.testkit';

/** An object's bytes as UTF-8 text, for comparing what was read with what was put. */
export const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));
/** Not a multiple of any common chunk size, so a lost or doubled tail chunk shows. */
const LARGE = 2 * 1024 * 1024 + 12_345;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 11)) & 0xff);

/**
 * Contract cases for what a put stores and a read returns, run by describeObjectStorageContract
 * for every store: bytes, metadata (size, etag, content type and encoding), a missing key, a
 * streamed large object, and ifAbsent against a plain overwrite. `sut` is the current test's
 * store and bucket, made by the contract's beforeEach.
 */
export function describeContentCases(test: ObjectCaseTest, sut: () => ObjectsUnderTest): void {
  test('round-trip', 'puts and gets bytes, strings and an empty body unchanged', async () => {
    const { objects, bucket } = sut();
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
    const { objects, bucket } = sut();
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
    const { objects, bucket } = sut();
    await objects.put(bucket, 'ct/report.csv', 'a,b\n1,2\n', { contentType: 'text/csv; charset=utf-8' });
    expect((await objects.head(bucket, 'ct/report.csv'))?.contentType).toBe('text/csv; charset=utf-8');
    const s = await objects.stream(bucket, 'ct/report.csv');
    expect(s?.info).toMatchObject({ key: 'ct/report.csv', size: 8, contentType: 'text/csv; charset=utf-8' });
    expect(text(await collectBytes(s!.body))).toBe('a,b\n1,2\n');
  });

  test('content-encoding', 'keeps contentEncoding, and returns the stored (still compressed) bytes', async () => {
    const { objects, bucket } = sut();
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
    const { objects, bucket } = sut();
    await objects.put(bucket, 'present', 'x');
    expect(await objects.get(bucket, 'absent')).toBeUndefined();
    expect(await objects.head(bucket, 'absent')).toBeUndefined();
    expect(await objects.stream(bucket, 'absent')).toBeUndefined();
    expect(await objects.head(bucket, 'present/child')).toBeUndefined();
  });

  test('stream-large', 'streams a multi-megabyte object in several Uint8Array chunks equal to what was put', async () => {
    const { objects, bucket } = sut();
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
    const { objects, bucket } = sut();
    const first = await objects.put(bucket, 'once/claim', 'first', { ifAbsent: true, contentType: 'text/plain' });
    expect(first.size).toBe(5);
    const err = await objects.put(bucket, 'once/claim', 'second!', { ifAbsent: true, contentType: 'application/x-other' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectExistsError);
    expect(err).toMatchObject({ code: 'object_exists', bucket, key: 'once/claim' });
    expect(text(await objects.get(bucket, 'once/claim'))).toBe('first');
    expect(await objects.head(bucket, 'once/claim')).toMatchObject({ size: 5, etag: first.etag, contentType: 'text/plain' });
  });

  test('overwrite', 'put without ifAbsent replaces the object', async () => {
    const { objects, bucket } = sut();
    await objects.put(bucket, 'ow/k', 'old', { contentType: 'text/plain' });
    await objects.put(bucket, 'ow/k', 'newer', { contentType: 'application/json' });
    expect(text(await objects.get(bucket, 'ow/k'))).toBe('newer');
    expect(await objects.head(bucket, 'ow/k')).toMatchObject({ size: 5, contentType: 'application/json' });
  });
}
