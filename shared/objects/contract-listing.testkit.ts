import type { ObjectInfo, ObjectStorage } from '../ports/objects';
import { text } from './contract-content.testkit';
import type { ObjectCaseTest, ObjectsUnderTest } from './contract.testkit';
import { compareKeys } from './keys';

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

/**
 * Contract cases for list and for keys, run by describeObjectStorageContract for every store:
 * pages under a prefix in UTF-8 byte order, with no duplicates and no misses, and keys with
 * slashes, spaces, unicode and URL-special characters. `sut` is the current test's store and
 * bucket, made by the contract's beforeEach.
 */
export function describeListingCases(test: ObjectCaseTest, sut: () => ObjectsUnderTest): void {
  test('list-pages', 'lists a prefix in key order a page at a time, with no duplicates and no misses', async () => {
    const { objects, bucket } = sut();
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
    const { objects, bucket } = sut();
    await objects.put(bucket, 'some/thing', 'x');
    expect(await objects.list(bucket, 'nothing/here/')).toEqual({ items: [] });
    expect(await objects.list(bucket, 'some/thing/')).toEqual({ items: [] });
  });

  test('list-order', 'orders keys by their UTF-8 bytes (case, punctuation, accents) across pages', async () => {
    const { objects, bucket } = sut();
    const keys = ['ord/b', 'ord/B', 'ord/a-b', 'ord/a.b', 'ord/a/b', 'ord/a_b', 'ord/é', 'ord/z', 'ord/1', 'ord/A', 'ord/a~', 'ord/Z'];
    for (const k of keys) await objects.put(bucket, k, 'x');
    const listed = (await walk(objects, bucket, 'ord/', 4)).flat().map((i) => i.key);
    expect(listed).toEqual([...keys].sort(compareKeys));
  });

  test('list-order-astral', 'orders a non-BMP key (U+1F600) after U+FF21, as UTF-8 does and UTF-16 does not', async () => {
    const { objects, bucket } = sut();
    const keys = ['astral/😀', 'astral/Ａ', 'astral/\uFFEE', 'astral/z'];
    for (const k of keys) await objects.put(bucket, k, 'x');
    const listed = (await walk(objects, bucket, 'astral/', 2)).flat().map((i) => i.key);
    expect(listed).toEqual(['astral/z', 'astral/Ａ', 'astral/\uFFEE', 'astral/😀']);
  });

  test('odd-keys', 'handles keys with slashes, spaces, unicode and URL-special characters', async () => {
    const { objects, bucket } = sut();
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
}
