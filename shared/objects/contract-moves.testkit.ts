import { conditionsOf } from './conditions';
import { text } from './contract-content.testkit';
import type { ObjectCaseTest, ObjectsUnderTest } from './contract.testkit';

/**
 * Contract cases for move, run by describeObjectStorageContract for every store: a plain move, a
 * move conditional on what head saw, one on an object since replaced, and a source replaced
 * between the copy and the delete. `sut` is the current test's store and bucket, made by the
 * contract's beforeEach.
 */
export function describeMoveCases(test: ObjectCaseTest, sut: () => ObjectsUnderTest): void {
  test('move', 'move puts the content under the new key and removes the old one', async () => {
    const { objects, bucket } = sut();
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
    const { objects, bucket } = sut();
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
    const { objects, bucket } = sut();
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
    const harness = sut();
    const { objects, bucket } = harness;
    if (!harness.betweenCopyAndDelete) throw new Error('this harness has no betweenCopyAndDelete: skip move-replaced with the reason');
    await objects.put(bucket, 'in/x.json', '{"x":"judged bad"}');
    const judged = (await objects.head(bucket, 'in/x.json'))!;
    harness.betweenCopyAndDelete(async () => {
      await objects.put(bucket, 'in/x.json', '{"x":"new and good"}');
    });
    expect(await objects.move(bucket, 'in/x.json', 'q/x.json', conditionsOf(judged))).toBe('copied');
    expect(text(await objects.get(bucket, 'in/x.json'))).toBe('{"x":"new and good"}');
    expect(text(await objects.get(bucket, 'q/x.json'))).toBe('{"x":"judged bad"}');
  });
}
