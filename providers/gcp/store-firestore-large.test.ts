import { createHash, randomBytes } from 'node:crypto';
import { fixedClock } from '../../shared/ports/clock';
import { FakeFirestore } from './firestore-fake.testkit';
import { encodeKey, firestoreStore, MAX_COMMIT_BYTES, MAX_DOCUMENT_BYTES, MAX_VALUE_BYTES, partsCollectionOf, SLICE_BYTES } from './store-firestore';

/**
 * Values over Firestore's 1 MiB document limit, split across part documents, on FakeFirestore
 * (no emulator can run here: it ships as a Java binary with the gcloud SDK). The fake refuses a
 * document over 1 MiB and a commit over 10 MiB as Firestore does, so a part that did not fit
 * would be refused. Before values were split, every large put here was refused with
 * store_value_too_large.
 */
const MOCKED = '(Firestore mocked at the SDK: no emulator can run here)';
const START = Date.parse('2026-01-01T00:00:00Z');
const MiB = 1024 * 1024;
const PARTS = partsCollectionOf('state');
const refused = { code: 'store_value_too_large', status: 413, retryable: false };

/** A value's fingerprint: assertions compare these, so a failure does not print megabytes. */
const d = (value: string | undefined) => value === undefined ? value : `${value.slice(0, 12)}|${value.length}|${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
/** ASCII JSON-ish text, 2.5 MiB unless told. */
const ascii = (tag: string, bytes = 2.5 * MiB) => `${tag}:`.padEnd(Math.floor(bytes), 'abcdefghij');
/** 2-, 4- and 3-byte characters (9 bytes a round), shifted by one byte so characters straddle the slice boundaries. */
const multibyte = () => `x${'é🔐中'.repeat(Math.floor((2.5 * MiB) / 9))}`;
/** Random bytes as base64: a non-UTF-8 dead-letter body is kept so. */
const base64 = () => randomBytes(Math.floor(1.9 * MiB)).toString('base64');

function setup() {
  const fake = new FakeFirestore();
  const clock = fixedClock(START);
  const store = firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock });
  return { fake, clock, store };
}
type Fake = FakeFirestore;
const partDocs = async (fake: Fake): Promise<({ id: string } & Record<string, unknown>)[]> =>
  (await fake.collection(PARTS).get()).docs.map((s) => ({ id: s.id, ...s.data() }));
const rawHead = async (fake: Fake, key: string) => (await fake.collection('state').doc(encodeKey(key)).get()).data();

describe(`firestoreStore with values over 1 MiB ${MOCKED}`, () => {
  it('round-trips 2.5 MiB of ASCII, multi-byte and astral characters across part boundaries, and base64 text through put, get, list and putAll', async () => {
    const { store } = setup();
    const values = { 'big/ascii': ascii('a'), 'big/multibyte': multibyte(), 'big/base64': base64() };
    // Both slice boundaries of the multi-byte value fall inside a character (a UTF-8 continuation byte).
    const utf8 = Buffer.from(values['big/multibyte'], 'utf8');
    expect([utf8[SLICE_BYTES]! & 0xc0, utf8[2 * SLICE_BYTES]! & 0xc0]).toEqual([0x80, 0x80]);
    expect(utf8.subarray(2 * SLICE_BYTES - 3, 2 * SLICE_BYTES + 3).toString('utf8')).toContain('🔐');
    for (const [key, value] of Object.entries(values)) expect(await store.put(key, value)).toBe(true);
    for (const [key, value] of Object.entries(values)) expect(d((await store.get(key))?.value)).toBe(d(value));
    const listed = (await store.list('big/')).items;
    expect(listed.map((i) => [i.key, d(i.value)])).toEqual(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, d(v)]));
    expect(listed.every((i) => typeof i.version === 'string')).toBe(true);

    expect(await store.putAll([
      { key: 'all/multibyte', value: values['big/multibyte'], opts: { ifAbsent: true } },
      { key: 'all/small', value: 'small' },
      { key: 'all/base64', value: values['big/base64'] },
    ])).toBe(true);
    expect(d((await store.get('all/multibyte'))?.value)).toBe(d(values['big/multibyte']));
    expect((await store.list('all/')).items.map((i) => d(i.value))).toEqual([values['big/base64'], values['big/multibyte'], 'small'].map(d));
  });

  it('keeps a split value as a head without value bytes and Bytes parts in <collection>-parts with the head\'s purgeAt, in one transaction', async () => {
    const { fake, store } = setup();
    await store.put('k', ascii('p'), { ttlSeconds: 60, newVersion: 'v-1' });
    const purgeAt = new Date(START + 60_000 + 3_600_000);
    const head = await rawHead(fake, 'k');
    expect(head).toEqual({
      key: 'k', version: 'v-1', expiresAt: START + 60_000, purgeAt,
      parts: 3, partsId: expect.stringMatching(/^[0-9a-f-]{36}$/), bytes: 2.5 * MiB,
    });
    const parts = await partDocs(fake);
    expect(parts.map((p) => p.id).sort()).toEqual([0, 1, 2].map((i) => `${head!.partsId}-${i}`));
    for (const part of parts) expect(part).toEqual({ id: expect.any(String), chunk: expect.any(Buffer), of: 'k', purgeAt });
    expect(parts.map((p) => (p.chunk as Buffer).length).sort()).toEqual([SLICE_BYTES, SLICE_BYTES, 2.5 * MiB - 2 * SLICE_BYTES].sort());
    // Head and parts were the writes of one commit.
    expect([...fake.lastTx!.writes.keys()].sort()).toEqual([`state/${encodeKey('k')}`, ...parts.map((p) => `${PARTS}/${p.id}`)].sort());
    // The head collection holds heads only.
    expect((await fake.collection('state').get()).docs.map((s) => s.id)).toEqual([encodeKey('k')]);
  });

  it('reads a document the previous version wrote (value inline) and replaces it with a large value, then a small one', async () => {
    const { fake, store } = setup();
    await fake.collection('state').doc(encodeKey('old')).set({ key: 'old', value: 'kept as it was', version: 'v-old' });
    expect(await store.get('old')).toEqual({ value: 'kept as it was', version: 'v-old' });
    expect(await store.put('old', ascii('new'), { ifVersion: 'v-old' })).toBe(true);
    expect(d((await store.get('old'))?.value)).toBe(d(ascii('new')));
    expect(await store.put('old', 'small', { newVersion: 'v-small' })).toBe(true);
    expect(await rawHead(fake, 'old')).toEqual({ key: 'old', value: 'small', version: 'v-small' });
    expect(await partDocs(fake)).toEqual([]);
  });

  it('decides ifAbsent and ifVersion on large values as on small ones, and a lost race leaves no parts', async () => {
    const { fake, store } = setup();
    expect(await store.put('k', ascii('first'), { ifAbsent: true })).toBe(true);
    expect(await store.put('k', ascii('second'), { ifAbsent: true })).toBe(false);
    expect(d((await store.get('k'))?.value)).toBe(d(ascii('first')));
    const { version } = (await store.get('k'))!;
    expect(await store.put('k', ascii('third'), { ifVersion: 'stale' })).toBe(false);
    expect(await store.put('k', ascii('third'), { ifVersion: version, newVersion: 'v-3' })).toBe(true);
    expect(await store.get('k')).toEqual({ value: ascii('third'), version: 'v-3' });
    expect(await partDocs(fake)).toHaveLength(3);

    const claims = await Promise.all(Array.from({ length: 5 }, (_, i) => store.put('race', ascii(`writer-${i}`), { ifAbsent: true })));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(d((await store.get('race'))?.value)).toBe(d(ascii(`writer-${claims.indexOf(true)}`)));
    const bumps = await Promise.all(Array.from({ length: 5 }, (_, i) => store.putAll([{ key: 'k', value: ascii(`bump-${i}`), opts: { ifVersion: 'v-3' } }])));
    expect(bumps.filter(Boolean)).toHaveLength(1);
    expect(d((await store.get('k'))?.value)).toBe(d(ascii(`bump-${bumps.indexOf(true)}`)));
    expect(fake.aborted).toBeGreaterThan(0);
    // Only the winners' parts exist: the losers committed nothing, the replaced value's parts went with the winning commit.
    const heads = [await rawHead(fake, 'k'), await rawHead(fake, 'race')];
    expect((await partDocs(fake)).map((p) => p.id.slice(0, 36)).sort()).toEqual(heads.flatMap((h) => [h!.partsId, h!.partsId, h!.partsId]).sort());
  });

  it('overwrites large with small, small with large and large with large, in put and putAll, deleting the replaced parts', async () => {
    const { fake, store } = setup();
    await store.put('k', ascii('large-1'));
    expect(await store.put('k', 'small')).toBe(true);
    expect(await store.get('k')).toEqual({ value: 'small', version: expect.any(String) });
    expect(await partDocs(fake)).toHaveLength(0);
    expect(await store.put('k', multibyte())).toBe(true);
    expect(d((await store.get('k'))?.value)).toBe(d(multibyte()));
    expect(await store.put('k', ascii('large-2', 1.5 * MiB))).toBe(true);
    expect(d((await store.get('k'))?.value)).toBe(d(ascii('large-2', 1.5 * MiB)));
    expect(await partDocs(fake)).toHaveLength(2);
    expect(await store.putAll([{ key: 'k', value: ascii('large-3') }, { key: 'other', value: 'o' }])).toBe(true);
    expect(await partDocs(fake)).toHaveLength(3);
    expect(await store.putAll([{ key: 'k', value: 'small again' }])).toBe(true);
    expect((await store.list('k')).items.map((i) => i.value)).toEqual(['small again']);
    expect(await partDocs(fake)).toHaveLength(0);
  });

  it('hides a large value at its TTL by the injected clock from get, list and ifAbsent, and replaces its parts then', async () => {
    const { fake, clock, store } = setup();
    await store.put('t/big', ascii('ttl'), { ttlSeconds: 10 });
    clock.advance(9_999);
    expect((await store.get('t/big'))?.expiresAt).toBe(START + 10_000);
    clock.advance(1);
    expect(await store.get('t/big')).toBeUndefined();
    expect(await store.list('t/')).toEqual({ items: [] });
    expect(await store.put('t/big', ascii('again'), { ifAbsent: true })).toBe(true);
    expect(d((await store.get('t/big'))?.value)).toBe(d(ascii('again')));
    expect(await partDocs(fake)).toHaveLength(3);
  });

  it('pages a list over small, large and expired values: every live key once, in order, whole values, never a part', async () => {
    const { clock, store } = setup();
    const keys = Array.from({ length: 14 }, (_, i) => `m/${String(i).padStart(2, '0')}`);
    const valueOf = (i: number) => (i % 3 === 0 ? ascii(`m${i}`, MiB + 1000 * i) : `small-${i}`);
    for (const [i, key] of keys.entries()) await store.put(key, valueOf(i), i % 5 === 4 ? { ttlSeconds: 1 } : {});
    clock.advance(1_000);
    const live = keys.filter((_, i) => i % 5 !== 4);
    for (const limit of [1, 3, 4, 100]) {
      const seen: [string, string | undefined][] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await store.list('', { limit, after });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((i): [string, string | undefined] => [i.key, d(i.value)]));
        if (!page.next) break;
        after = page.next;
      }
      expect(seen).toEqual(live.map((key) => [key, d(valueOf(keys.indexOf(key)))]));
    }
  });

  it('deletes the head and its parts together, inside putAll too', async () => {
    const { fake, store } = setup();
    await store.put('d', ascii('d'));
    await store.put('keep', ascii('keep'));
    await store.delete('d');
    expect(await store.get('d')).toBeUndefined();
    expect(await rawHead(fake, 'd')).toBeUndefined();
    expect((await partDocs(fake)).map((p) => p.of)).toEqual(['keep', 'keep', 'keep']);
    expect(await store.put('d', 'small', { ifAbsent: true })).toBe(true);
    await store.put('batched', ascii('batched'), { ttlSeconds: 60 });
    await store.put('batched-too', ascii('batched-too'));
    expect((await partDocs(fake)).filter((p) => String(p.of).startsWith('batched'))).toHaveLength(6);
    expect(await store.putAll([{ key: 'batched', delete: true }, { key: 'batched-too', delete: true }, { key: 'd', value: 'small 2' }])).toBe(true);
    expect(await store.get('batched')).toBeUndefined();
    expect((await store.list('')).items.map((i) => i.key)).toEqual(['d', 'keep']);
    // Its head was read in the transaction, so its parts went in the same commit.
    expect((await partDocs(fake)).map((p) => p.of)).toEqual(['keep', 'keep', 'keep']);
  });

  it('reads again from the head when an overwrite deletes the parts between the head and the parts, never mixing two values', async () => {
    const { fake, clock, store } = setup();
    await store.put('r/1', ascii('old'));
    const writer = firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock });
    const getAll = fake.getAll.bind(fake);
    let overwrite: string | undefined;
    fake.getAll = async (...args) => {
      if (overwrite !== undefined) {
        const value = overwrite;
        overwrite = undefined;
        await writer.put('r/1', value);
      }
      return getAll(...args);
    };
    overwrite = ascii('new-1', 1.7 * MiB);
    expect(d((await store.get('r/1'))?.value)).toBe(d(ascii('new-1', 1.7 * MiB)));
    overwrite = ascii('new-2', 2.2 * MiB);
    expect((await store.list('r/')).items.map((i) => d(i.value))).toEqual([d(ascii('new-2', 2.2 * MiB))]);
    expect(overwrite).toBeUndefined();
    expect(await partDocs(fake)).toHaveLength(3);
  });

  it('answers a head whose parts are gone: gone with a TTL (the TTL policy took them first), store_value_damaged without one', async () => {
    const { fake, store } = setup();
    await store.put('timed', ascii('timed'), { ttlSeconds: 60 });
    await store.put('untimed', ascii('untimed'));
    for (const part of await partDocs(fake)) await fake.collection(PARTS).doc(part.id).delete();
    expect(await store.get('timed')).toBeUndefined();
    await expect(store.get('untimed')).rejects.toMatchObject({ code: 'store_value_damaged', retryable: false });
  });

  it('takes up to 3 MiB; refuses more, or a putAll over one transaction\'s size, with store_value_too_large, writing nothing', async () => {
    const { fake, store } = setup();
    const largest = 'é'.repeat(MAX_VALUE_BYTES / 2);
    expect(await store.put('max', largest)).toBe(true);
    expect(d((await store.get('max'))?.value)).toBe(d(largest));
    // Within the document limit a value stays inline, as before; at 1 MiB it is split.
    expect(await store.put('inline', 'x'.repeat(MAX_DOCUMENT_BYTES - 4096))).toBe(true);
    expect((await rawHead(fake, 'inline'))?.value).toHaveLength(MAX_DOCUMENT_BYTES - 4096);
    expect(await store.put('split', 'x'.repeat(MAX_DOCUMENT_BYTES))).toBe(true);
    expect(await rawHead(fake, 'split')).toMatchObject({ parts: 2, bytes: MAX_DOCUMENT_BYTES });
    const before = (await partDocs(fake)).length;

    const over = `${largest}x`;
    await expect(store.put('over', over)).rejects.toMatchObject(refused);
    await expect(store.put('over', over, { ifAbsent: true })).rejects.toMatchObject(refused);
    await expect(store.putAll([{ key: 'a', value: 'v' }, { key: 'over', value: over }])).rejects.toMatchObject(refused);
    const three = [1, 2, 3].map((i) => ({ key: `three/${i}`, value: ascii(`${i}`, MAX_VALUE_BYTES) }));
    expect(3 * MAX_VALUE_BYTES).toBeGreaterThanOrEqual(MAX_COMMIT_BYTES); // and their documents add names and fields
    await expect(store.putAll(three)).rejects.toMatchObject({ ...refused, message: expect.stringMatching(/one Firestore transaction holds at most/) });
    for (const key of ['over', 'a', 'three/1', 'three/2', 'three/3']) expect(await store.get(key)).toBeUndefined();
    expect(await partDocs(fake)).toHaveLength(before);
    // Two of them fit one transaction.
    expect(await store.putAll(three.slice(0, 2))).toBe(true);
    expect(d((await store.get('three/2'))?.value)).toBe(d(three[1]!.value));
  });
});
