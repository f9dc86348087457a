import { joinUtf8, readSplitItem, sliceUtf8, type SplitHead } from './split-values';

describe('split values', () => {
  test('UTF-8 slices join back whole, characters that straddle a slice boundary included', () => {
    const value = `x${'é🔐中'.repeat(1000)}`;
    const slices = sliceUtf8(value, 7);
    expect(slices.every((s) => s.length <= 7)).toBe(true);
    const split = { partsId: 'p', parts: slices.length, bytes: Buffer.byteLength(value) };
    expect(joinUtf8('test', split, slices)).toBe(value);
    // A missing slice: the head was replaced meanwhile; a wrong length: the store is damaged.
    expect(joinUtf8('test', split, [...slices.slice(0, -1), undefined])).toBeUndefined();
    expect(() => joinUtf8('test', { ...split, bytes: split.bytes + 1 }, slices)).toThrow(expect.objectContaining({ code: 'store_value_damaged' }));
    // Fewer slices than the head names (a store that returns only the parts it found): missing too.
    expect(joinUtf8('test', split, slices.slice(0, -1))).toBeUndefined();
    expect(joinUtf8('test', { ...split, parts: split.parts + 1, bytes: split.bytes }, slices)).toBeUndefined();
  });

  test('an inline value is read from its head with its version and expiry, and is gone at expiry', async () => {
    const head: SplitHead = { version: 'v1', value: 'inline', expiresAt: 10 };
    const read = (now: number) => readSplitItem({ store: 'test', key: 'k', now: () => now, head: async () => head, parts: async () => { throw new Error('an inline value has no parts'); } });
    expect(await read(9)).toEqual({ value: 'inline', version: 'v1', expiresAt: 10 });
    expect(await read(10)).toBeUndefined();
    expect(await readSplitItem({ store: 'test', key: 'k', now: () => 0, head: async () => ({ version: 'v2', value: '' }), parts: async () => undefined })).toEqual({ value: '', version: 'v2' });
  });

  const head = (partsId: string, expiresAt?: number): SplitHead => ({ version: partsId, split: { partsId }, ...(expiresAt === undefined ? {} : { expiresAt }) });

  test('a split value whose parts vanish is read again from its new head', async () => {
    const heads = [head('a'), head('b')];
    const item = await readSplitItem({ store: 'test', key: 'k', now: () => 0, head: async () => heads.shift(), parts: async (h) => (h.split!.partsId === 'b' ? 'new' : undefined) });
    expect(item).toEqual({ value: 'new', version: 'b' });
  });

  test('the same head with its parts still missing is gone with a TTL, damaged without one', async () => {
    const read = (h: SplitHead) => readSplitItem({ store: 'test', key: 'k', now: () => 0, head: async () => h, parts: async () => undefined });
    expect(await read(head('a', 10))).toBeUndefined();
    await expect(read(head('a'))).rejects.toMatchObject({ code: 'store_value_damaged', retryable: false });
  });

  test('a value replaced on every read gives up with a retryable 503; an expired head is gone', async () => {
    let n = 0;
    // As every store_unavailable: shown to HTTP callers as a 503 with Retry-After (an unexposed one is a bare 500), naming no key.
    const e: unknown = await readSplitItem({ store: 'test', key: 'dlq:acme:secret-id', now: () => 0, head: async () => head(`v${n++}`), parts: async () => undefined })
      .then(() => undefined, (err: unknown) => err);
    expect(e).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' } });
    expect((e as Error).message).not.toContain('secret-id');
    expect(n).toBe(5);
    expect(await readSplitItem({ store: 'test', key: 'k', now: () => 10, head: async () => head('a', 10), parts: async () => 'v' })).toBeUndefined();
  });
});
