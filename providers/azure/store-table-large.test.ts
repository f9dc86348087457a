import { randomBytes } from 'node:crypto';
import type { TransactionAction } from '@azure/data-tables';
import {
  checkTransaction, layOut, MAX_PART_CHARS, MAX_TRANSACTION_BYTES, MAX_VALUE_BYTES, MAX_VALUE_JSON_BYTES, PART_MARK, PARTITION, plan, rowKey, sliceValue, transactionBytes,
} from './store-table-layout';
import { allRows, d, type FreshTable, freshTable, intercept, partRows, START } from './store-table.testkit';

/**
 * Values over one entity's 1 MiB, on Azurite (which enforces the entity, property and 4 MiB
 * transaction limits itself, so a part or transaction that did not fit would be refused). Before
 * values were split, every put here was refused with a RangeError over about 480 Ki code units.
 */
const MiB = 1024 * 1024;
const refused = { code: 'store_value_too_large', status: 413, retryable: false };
/** 2 MiB of ASCII JSON-ish text. */
const ascii = (tag: string, bytes = 2 * MiB) => `${tag}:`.padEnd(bytes, 'abcdefghij');
/** 2-, 4- and 3-byte characters after one ASCII byte: a part's UTF-8 budget runs out just before a 🔐. */
const multibyte = () => `x${'é🔐中'.repeat(233_017)}`;
/** Astral characters only: a part's code-unit budget runs out inside a surrogate pair. */
const astral = () => '🔐'.repeat(524_288);
/** Random bytes as base64: a non-UTF-8 dead-letter body is kept so. */
const base64 = () => randomBytes(1_572_864).toString('base64');

let t: FreshTable;
beforeEach(async () => {
  t = await freshTable();
});
afterEach(() => t.close());

const head = (key: string) => t.raw.getEntity(PARTITION, rowKey(key)).catch(() => undefined);

test('2 MiB of ASCII, multi-byte and astral characters across part boundaries, and base64 text round-trip through put, get, list and putAll', async () => {
  const values: Record<string, string> = { 'big/ascii': ascii('a'), 'big/astral': astral(), 'big/base64': base64(), 'big/multibyte': multibyte() };
  for (const value of Object.values(values)) expect(Buffer.byteLength(value)).toBeGreaterThanOrEqual(2 * MiB);
  for (const [key, value] of Object.entries(values)) expect(await t.store.put(key, value)).toBe(true);
  for (const [key, value] of Object.entries(values)) expect(d((await t.store.get(key))?.value)).toBe(d(value));
  const listed = (await t.store.list('big/')).items;
  expect(listed.map((i) => [i.key, d(i.value)])).toEqual(Object.entries(values).map(([k, v]) => [k, d(v)]));

  // Where the parts were cut: before a 🔐 (UTF-8 budget) and between two 🔐 (code-unit budget).
  const slices = [sliceValue(values['big/multibyte']!), sliceValue(values['big/astral']!)];
  expect(slices[0]![1]!.startsWith('🔐')).toBe(true);
  expect(slices[1]![0]!.length).toBe(MAX_PART_CHARS - 1);
  expect(slices[1]![1]!.startsWith('🔐')).toBe(true);
  for (const slice of slices.flat()) expect(Buffer.byteLength(JSON.stringify(slice))).toBeLessThanOrEqual(MAX_VALUE_JSON_BYTES);
  expect((await partRows(t.raw)).length).toBe(5 + 3 + 5 + 3);

  expect(await t.store.putAll([
    { key: 'all/multibyte', value: values['big/multibyte']!, opts: { ifAbsent: true } },
    { key: 'all/small', value: 'small' },
    { key: 'all/base64', value: values['big/base64']!.slice(0, 1_000_000) },
  ])).toBe(true);
  expect(d((await t.store.get('all/multibyte'))?.value)).toBe(d(values['big/multibyte']));
  expect((await t.store.list('all/')).items.map((i) => d(i.value))).toEqual([values['big/base64']!.slice(0, 1_000_000), values['big/multibyte'], 'small'].map(d));
});

test('a split value: a head without value bytes and parts in its partition, from U+0200 on, written in one transaction', async () => {
  const sent: TransactionAction[][] = [];
  const store = t.storeOn(intercept(t.table, 'submitTransaction', (actions) => void sent.push(actions as TransactionAction[])));
  await store.put('k', ascii('p'), { ttlSeconds: 60, newVersion: 'v-1' });
  const entity = await t.raw.getEntity(PARTITION, rowKey('k'));
  expect(Object.keys(entity).filter((p) => p.startsWith('value'))).toEqual([]);
  expect(entity).toMatchObject({ version: 'v-1', expiresAt: BigInt(START + 60_000), parts: 5, chars: 2 * MiB, partsId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  const parts = await partRows(t.raw);
  expect(parts.map((p) => p.row)).toEqual(['000', '001', '002', '003', '004'].map((i) => `${PART_MARK}${entity.partsId as string}.${i}`));
  expect(parts.every((p) => p.of === rowKey('k') && p.expiresAt === BigInt(START + 60_000))).toBe(true);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.map(([, e]) => e.rowKey)).toEqual([rowKey('k'), ...parts.map((p) => p.row)]);
  // Every row key a user key can have sorts before the parts; list('') sees the head only.
  expect((await allRows(t.raw)).slice(0, 1)).toEqual([rowKey('k')]);
  expect(rowKey('\u{10FFFF}'.repeat(128)) < PART_MARK).toBe(true);
  expect((await t.store.list('')).items.map((i) => i.key)).toEqual(['k']);
});

test('ifAbsent and ifVersion on large values behave as on small ones, and a lost race leaves no parts', async () => {
  expect(await t.store.put('k', ascii('first'), { ifAbsent: true })).toBe(true);
  expect(await t.store.put('k', ascii('second'), { ifAbsent: true })).toBe(false);
  expect(d((await t.store.get('k'))?.value)).toBe(d(ascii('first')));
  const { version } = (await t.store.get('k'))!;
  expect(await t.store.put('k', ascii('third'), { ifVersion: 'stale' })).toBe(false);
  expect(await t.store.put('k', ascii('third'), { ifVersion: version, newVersion: 'v-3' })).toBe(true);
  expect(await t.store.get('k')).toEqual({ value: ascii('third'), version: 'v-3' });
  expect(await partRows(t.raw)).toHaveLength(5);

  const claims = await Promise.all(Array.from({ length: 5 }, (_, i) => t.store.put('race', ascii(`writer-${i}`), { ifAbsent: true })));
  expect(claims.filter(Boolean)).toHaveLength(1);
  expect(d((await t.store.get('race'))?.value)).toBe(d(ascii(`writer-${claims.indexOf(true)}`)));
  const bumps = await Promise.all(Array.from({ length: 5 }, (_, i) => t.store.put('k', ascii(`bump-${i}`), { ifVersion: 'v-3' })));
  expect(bumps.filter(Boolean)).toHaveLength(1);
  expect(d((await t.store.get('k'))?.value)).toBe(d(ascii(`bump-${bumps.indexOf(true)}`)));
  const claimAll = await Promise.all(Array.from({ length: 3 }, (_, i) => t.store.putAll([{ key: 'pair/a', value: ascii(`a-${i}`, MiB), opts: { ifAbsent: true } }, { key: `pair/${i}`, value: 'v' }])));
  expect(claimAll.filter(Boolean)).toHaveLength(1);
  // Only the winners' parts exist: the losers' transactions wrote nothing, the replaced value's parts were removed.
  const heads = await Promise.all(['k', 'race', 'pair/a'].map(head));
  expect((await partRows(t.raw)).map((p) => p.of).sort()).toEqual([...Array(5).fill(rowKey('k')), ...Array(3).fill(rowKey('pair/a')), ...Array(5).fill(rowKey('race'))].sort());
  expect(new Set((await partRows(t.raw)).map((p) => p.row.slice(1, 37)))).toEqual(new Set(heads.map((h) => h!.partsId)));
});

test('overwriting large with small, small with large and large with large shows the new value and removes the old parts', async () => {
  await t.store.put('k', ascii('large-1'));
  expect(await t.store.put('k', 'small')).toBe(true);
  expect(await t.store.get('k')).toEqual({ value: 'small', version: expect.any(String) });
  expect(await partRows(t.raw)).toHaveLength(0);
  expect(Object.keys(await head('k') ?? {}).filter((p) => ['value', 'partsId', 'parts', 'chars'].includes(p))).toEqual(['value']);
  expect(await t.store.put('k', multibyte())).toBe(true);
  expect(d((await t.store.get('k'))?.value)).toBe(d(multibyte()));
  expect(await t.store.put('k', ascii('large-2', 1_400_000), { ifVersion: (await t.store.get('k'))!.version })).toBe(true);
  expect(d((await t.store.get('k'))?.value)).toBe(d(ascii('large-2', 1_400_000)));
  expect(await partRows(t.raw)).toHaveLength(3);
  // putAll does not read the heads its unconditional writes replace: the sweep collects those parts.
  expect(await t.store.putAll([{ key: 'k', value: 'small again' }])).toBe(true);
  expect((await t.store.list('k')).items.map((i) => i.value)).toEqual(['small again']);
  expect(await partRows(t.raw)).toHaveLength(3);
  expect(await t.store.sweepExpired()).toBe(3);
  expect(await partRows(t.raw)).toHaveLength(0);
});

test('TTL by the injected clock hides a large value from get, list and ifAbsent, and the sweep removes it with its parts', async () => {
  await t.store.put('t/big', ascii('ttl'), { ttlSeconds: 10 });
  await t.store.put('t/forever', ascii('forever', MiB));
  t.clock.advance(9_999);
  expect((await t.store.get('t/big'))?.expiresAt).toBe(START + 10_000);
  t.clock.advance(1);
  expect(await t.store.get('t/big')).toBeUndefined();
  expect((await t.store.list('t/')).items.map((i) => i.key)).toEqual(['t/forever']);
  expect(await t.store.sweepExpired()).toBe(1 + 5);
  expect((await partRows(t.raw)).map((p) => p.of)).toEqual([rowKey('t/forever'), rowKey('t/forever'), rowKey('t/forever')]);
  expect(await t.store.put('t/big', ascii('again'), { ifAbsent: true })).toBe(true);
  expect(d((await t.store.get('t/big'))?.value)).toBe(d(ascii('again')));
});

test('list pages over small, large, old-form and expired values return every live key once, in order, never a part', async () => {
  const keys = Array.from({ length: 14 }, (_, i) => `m/${String(i).padStart(2, '0')}`);
  const valueOf = (i: number) => (i % 3 === 0 ? ascii(`m${i}`, 600_000 + i) : `small-${i}`);
  for (const [i, key] of keys.entries()) {
    if (i === 7) continue;
    await t.store.put(key, valueOf(i), i % 5 === 4 ? { ttlSeconds: 1 } : {});
  }
  // A multi-property entity as the store wrote it before values were split.
  const old = 'o'.repeat(40_000);
  await t.raw.createEntity({ partitionKey: PARTITION, rowKey: rowKey(keys[7]!), version: 'old-1', expiresAt: 8_640_000_000_000_000n, value: old.slice(0, 32_768), value1: old.slice(32_768) });
  t.clock.advance(1_000);
  const live = keys.filter((_, i) => i % 5 !== 4);
  const expected = live.map((key) => [key, d(key === keys[7] ? old : valueOf(keys.indexOf(key)))]);
  for (const [prefix, limit] of [['m/', 1], ['m/', 3], ['', 4], ['', 100]] as const) {
    const seen: [string, string | undefined][] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await t.store.list(prefix, { limit, after });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((i): [string, string | undefined] => [i.key, d(i.value)]));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(expected);
  }
  expect(await t.store.get(keys[7]!)).toEqual({ value: old, version: 'old-1' });
});

test('delete removes the head and its parts; a delete in putAll leaves them to the sweep', async () => {
  await t.store.put('d', ascii('d', MiB));
  await t.store.put('keep', ascii('keep', MiB));
  await t.store.delete('d');
  expect(await t.store.get('d')).toBeUndefined();
  expect(await head('d')).toBeUndefined();
  expect((await partRows(t.raw)).map((p) => p.of)).toEqual(Array(3).fill(rowKey('keep')));
  expect(await t.store.put('d', 'small', { ifAbsent: true })).toBe(true);

  expect(await t.store.putAll([{ key: 'keep', delete: true }, { key: 'd', value: 'x' }])).toBe(true);
  expect(await t.store.get('keep')).toBeUndefined();
  expect(await partRows(t.raw)).toHaveLength(3);
  expect(await t.store.sweepExpired()).toBe(3);
  expect(await partRows(t.raw)).toEqual([]);
});

test('a reader racing an overwrite that removes the parts reads again and never mixes two values', async () => {
  await t.store.put('r/1', ascii('old'));
  const writer = t.store;
  let overwrite: string | undefined;
  const reader = t.storeOn(intercept(t.table, 'getEntity', async (_pk, row) => {
    if (!String(row).startsWith(PART_MARK) || overwrite === undefined) return;
    const value = overwrite;
    overwrite = undefined;
    await writer.put('r/1', value);
  }));
  overwrite = ascii('new-1', 1_200_000);
  expect(d((await reader.get('r/1'))?.value)).toBe(d(ascii('new-1', 1_200_000)));
  overwrite = ascii('new-2', 1_300_000);
  expect((await reader.list('r/')).items.map((i) => d(i.value))).toEqual([d(ascii('new-2', 1_300_000))]);
  expect(overwrite).toBeUndefined();
  expect(await partRows(t.raw)).toHaveLength(3);
});

test('parts gone while their head stays: gone with a TTL (swept by a clock ahead), a typed error without one', async () => {
  await t.store.put('timed', ascii('timed', MiB), { ttlSeconds: 60 });
  await t.store.put('untimed', ascii('untimed', MiB));
  for (const part of await partRows(t.raw)) await t.raw.deleteEntity(PARTITION, part.row);
  expect(await t.store.get('timed')).toBeUndefined();
  await expect(t.store.get('untimed')).rejects.toMatchObject({ code: 'store_value_damaged', retryable: false });
});

test('a failed cleanup of replaced parts does not fail the write that succeeded; the sweep collects them, sparing live parts', async () => {
  await t.store.put('c', ascii('c', MiB));
  await t.store.put('live', ascii('live', MiB));
  const flaky = t.storeOn(intercept(t.table, 'deleteEntity', (_pk, row) => {
    if (String(row).startsWith(PART_MARK)) throw Object.assign(new Error('unavailable'), { statusCode: 503 });
  }));
  await expect(flaky.delete('c')).resolves.toBeUndefined();
  expect(await t.store.get('c')).toBeUndefined();
  expect(await partRows(t.raw)).toHaveLength(6);
  // A bounded slice per sweep (two parts looked at), resumed where the previous one stopped.
  const swept: number[] = [];
  for (let i = 0; i < 4; i++) swept.push(await t.store.sweepExpired(2));
  expect(swept.reduce((a, b) => a + b)).toBe(3);
  expect(swept.every((n) => n <= 2)).toBe(true);
  expect(swept[3]).toBe(0);
  expect((await partRows(t.raw)).map((p) => p.of)).toEqual(Array(3).fill(rowKey('live')));
  expect(d((await t.store.get('live'))?.value)).toBe(d(ascii('live', MiB)));
});

test('up to 3 MiB is taken; more, or writes over a transaction\'s 4 MiB or 100 entities, are refused with store_value_too_large and write nothing', async () => {
  const largest = ascii('max', MAX_VALUE_BYTES);
  expect(await t.store.put('max', largest)).toBe(true);
  expect(d((await t.store.get('max'))?.value)).toBe(d(largest));
  await expect(t.store.put('over', `${largest}x`)).rejects.toMatchObject(refused);
  await expect(t.store.putAll([{ key: 'a', value: 'v' }, { key: 'over', value: `${largest}x` }])).rejects.toMatchObject(refused);
  // 1.5 MiB of control characters is 9 MiB as JSON: over a transaction's payload.
  await expect(t.store.put('escaped', '\u0001'.repeat(1_500_000))).rejects.toMatchObject({ ...refused, message: expect.stringMatching(/carries at most 4 MiB/) });
  const two = [{ key: 'two/1', value: ascii('1') }, { key: 'two/2', value: ascii('2') }];
  await expect(t.store.putAll(two)).rejects.toMatchObject({ ...refused, message: expect.stringMatching(/carries at most 4 MiB/) });
  for (const key of ['over', 'a', 'escaped', 'two/1', 'two/2']) expect(await t.store.get(key)).toBeUndefined();
  expect(await partRows(t.raw)).toHaveLength(7);
  const many = Array.from({ length: 101 }, (_, i) => ({ partitionKey: PARTITION, rowKey: `r${i}` }));
  expect(() => checkTransaction(many)).toThrow(expect.objectContaining({ ...refused, message: expect.stringMatching(/101 entities/) }));
});

test('a transaction counted just under the limit, with the longest keys in its URLs, is accepted by Azurite (4 MiB)', async () => {
  const keys = Array.from({ length: 5 }, (_, i) => `${'é'.repeat(255)}${i}`);
  for (const [i, key] of keys.entries()) await t.store.put(key, 'v', { newVersion: `v-${i}` });
  // Updates (ifVersion) carry the 511-byte key in their URL, percent-encoded, as well as in their body.
  const writes = keys.map((key, i) => ({ key, value: 'é'.repeat(i < 4 ? 480_000 : 0), opts: { ifVersion: `v-${i}` } }));
  const counted = (ws: typeof writes) => transactionBytes(ws.map((w) => plan(w.key, layOut(w.key, w.value), w.opts, START).head));
  // 'é' is 2 bytes of JSON; each further 32 Ki code units add a property name.
  for (let fill = (MAX_TRANSACTION_BYTES - counted(writes)) / 2; counted(writes) > MAX_TRANSACTION_BYTES || writes[4]!.value.length === 0; fill -= 8) {
    writes[4]!.value = 'é'.repeat(Math.floor(fill));
  }
  expect(counted(writes)).toBeGreaterThan(MAX_TRANSACTION_BYTES - 16);
  expect(counted(writes)).toBeLessThanOrEqual(MAX_TRANSACTION_BYTES);
  const over = writes.map((w, i) => (i < 4 ? w : { ...w, value: `${w.value}é` }));
  await expect(t.store.putAll(over)).rejects.toMatchObject(refused);
  const sent: number[] = [];
  const client = intercept(t.table, 'submitTransaction', (actions) => void sent.push((actions as TransactionAction[]).length));
  const bodies: number[] = [];
  client.pipeline.addPolicy({ name: 'measure', sendRequest: (req, next) => (typeof req.body === 'string' && bodies.push(Buffer.byteLength(req.body)), next(req)) });
  expect(await t.storeOn(client).putAll(writes)).toBe(true);
  expect(sent).toEqual([5]);
  // What went over the wire: under the service's 4 MiB, and never more than the store counted.
  expect(Math.max(...bodies)).toBeLessThanOrEqual(4 * MiB);
  expect(Math.max(...bodies)).toBeLessThan(counted(writes));
  for (const w of writes) expect((await t.store.get(w.key))?.value.length).toBe(w.value.length);
});
