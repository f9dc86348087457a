import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { fixedClock } from '../../shared/ports/clock';
import type { StateStore } from '../../shared/ports/store';
import { dynamoStore } from './store-dynamodb';
import { checkTransaction, MAX_VALUE_BYTES, PARTITION, PARTS_PARTITION, SLICE_BYTES } from './store-dynamodb-items';
import { type Dynalite, startDynalite, withEmulatedTransactions } from './store-dynamodb.testkit';

/**
 * Values over DynamoDB's 400 KB item limit, on dynalite (which enforces that limit itself, so a
 * part that did not fit would be refused) with TransactWriteItems emulated at the SDK
 * (store-dynamodb.testkit.ts). Before values were split, every put here was refused with
 * store_value_too_large.
 */
const START = Date.parse('2026-01-01T00:00:00Z');
const MiB = 1024 * 1024;
const refused = { code: 'store_value_too_large', status: 413, retryable: false };

/** A value's fingerprint: assertions compare these, so a failure does not print megabytes. */
const d = (value: string | undefined) => value === undefined ? value : `${value.slice(0, 12)}|${value.length}|${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
/** 1 MiB of ASCII JSON-ish text. */
const ascii = (tag: string, bytes = MiB) => `${tag}:`.padEnd(bytes, 'abcdefghij');
/** 2-, 3- and 4-byte characters, shifted by one byte so characters straddle every slice boundary. */
const multibyte = () => `x${'é🔐中'.repeat(120_000)}`;
/** Random bytes as base64: a non-UTF-8 dead-letter body is kept so. */
const base64 = () => randomBytes(900_000).toString('base64');

let dyn: Dynalite;
let client: DynamoDBClient;
beforeAll(async () => {
  dyn = await startDynalite();
  client = dyn.client;
});
afterAll(() => dyn.close());

let table: string;
let clock: ReturnType<typeof fixedClock>;
let store: StateStore;
beforeEach(async () => {
  table = await dyn.freshTable();
  clock = fixedClock(START);
  store = dynamoStore({ table, client: withEmulatedTransactions(client), clock });
});
afterEach(() => dyn.dropTable(table));

/** Every part item in the table (a Scan: parts live outside the head partition). */
async function partItems(): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new ScanCommand({
      TableName: table, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: PARTS_PARTITION } },
      ProjectionExpression: 'pk, sk, purgeAt, #of', ExpressionAttributeNames: { '#of': 'of' }, ExclusiveStartKey: start,
    }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
const isPart = (key: Record<string, AttributeValue> | undefined) => key?.pk?.S?.startsWith(PARTS_PARTITION) === true;
const rawHead = (key: string) => client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: PARTITION }, sk: { S: key } }, ConsistentRead: true })).then((o) => o.Item);

test('1 MiB of ASCII, multi-byte characters across slice boundaries, and base64 text round-trip through put, get, list and putAll', async () => {
  const values = { 'big/ascii': ascii('a'), 'big/multibyte': multibyte(), 'big/base64': base64() };
  // The multi-byte value's first slice boundary falls inside a character (a UTF-8 continuation byte).
  expect(Buffer.from(values['big/multibyte'], 'utf8')[SLICE_BYTES]! & 0xc0).toBe(0x80);
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
  expect(d((await store.get('all/base64'))?.value)).toBe(d(values['big/base64']));
  expect((await store.list('all/')).items.map((i) => d(i.value))).toEqual([values['big/base64'], values['big/multibyte'], 'small'].map(d));
});

test('a split value: a head with no value bytes, parts outside the head partition with the head\'s purgeAt, in one transaction', async () => {
  const emulated = withEmulatedTransactions(client);
  store = dynamoStore({ table, client: emulated, clock });
  const value = ascii('p');
  await store.put('k', value, { ttlSeconds: 60, newVersion: 'v-1' });
  const head = await rawHead('k');
  const purgeAt = { N: String(START / 1000 + 60 + 3600) };
  expect(head).toEqual({
    pk: { S: PARTITION }, sk: { S: 'k' }, version: { S: 'v-1' }, expiresAt: { N: String(START + 60_000) }, purgeAt,
    parts: { N: '3' }, partsId: { S: expect.stringMatching(/^[0-9a-f-]{36}$/) }, bytes: { N: String(MiB) },
  });
  const pk = { S: PARTS_PARTITION + head!.partsId!.S };
  expect(await partItems()).toEqual(expect.arrayContaining(['0000', '0001', '0002'].map((sk) => ({ pk, sk: { S: sk }, of: { S: 'k' }, purgeAt }))));
  expect(await partItems()).toHaveLength(3);
  expect(emulated.sent).toHaveLength(1);
  expect(emulated.sent[0]!.map((t) => t.Put!.Item!.sk!.S)).toEqual(['k', '0000', '0001', '0002']);
  // The head partition holds heads only.
  const query = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: PARTITION } } }));
  expect(query.Items?.map((i) => i.sk!.S)).toEqual(['k']);
});

test('ifAbsent and ifVersion on large values behave as on small ones, and a lost race leaves no parts', async () => {
  expect(await store.put('k', ascii('first'), { ifAbsent: true })).toBe(true);
  expect(await store.put('k', ascii('second'), { ifAbsent: true })).toBe(false);
  expect(d((await store.get('k'))?.value)).toBe(d(ascii('first')));
  const { version } = (await store.get('k'))!;
  expect(await store.put('k', ascii('third'), { ifVersion: 'stale' })).toBe(false);
  expect(await store.put('k', ascii('third'), { ifVersion: version, newVersion: 'v-3' })).toBe(true);
  expect(d((await store.get('k'))?.value)).toBe(d(ascii('third')));
  expect((await store.get('k'))?.version).toBe('v-3');
  expect(await partItems()).toHaveLength(3);

  const claims = await Promise.all(Array.from({ length: 5 }, (_, i) => store.put('race', ascii(`writer-${i}`), { ifAbsent: true })));
  expect(claims.filter(Boolean)).toHaveLength(1);
  expect(d((await store.get('race'))?.value)).toBe(d(ascii(`writer-${claims.indexOf(true)}`)));
  const bumps = await Promise.all(Array.from({ length: 5 }, (_, i) => store.put('k', ascii(`bump-${i}`), { ifVersion: 'v-3' })));
  expect(bumps.filter(Boolean)).toHaveLength(1);
  expect(d((await store.get('k'))?.value)).toBe(d(ascii(`bump-${bumps.indexOf(true)}`)));
  // Only the winners' parts exist: the losers' transactions wrote nothing, the replaced value's parts were removed.
  expect(await partItems()).toHaveLength(6);
});

test('overwriting large with small, small with large and large with large shows the new value and removes the old parts', async () => {
  await store.put('k', ascii('large-1'));
  expect(await store.put('k', 'small')).toBe(true);
  expect(await store.get('k')).toEqual({ value: 'small', version: expect.any(String) });
  expect(await partItems()).toHaveLength(0);
  expect(await store.put('k', multibyte())).toBe(true);
  expect(d((await store.get('k'))?.value)).toBe(d(multibyte()));
  expect(await store.put('k', ascii('large-2', 500_000))).toBe(true);
  expect(d((await store.get('k'))?.value)).toBe(d(ascii('large-2', 500_000)));
  expect(await partItems()).toHaveLength(2);
  // putAll does not read the heads it overwrites: the replaced parts are left for TTL, never visible.
  expect(await store.putAll([{ key: 'k', value: 'small again' }])).toBe(true);
  expect((await store.list('k')).items.map((i) => i.value)).toEqual(['small again']);
});

test('TTL by the injected clock hides a large value from get, list and ifAbsent', async () => {
  await store.put('t/big', ascii('ttl'), { ttlSeconds: 10 });
  clock.advance(9_999);
  expect((await store.get('t/big'))?.expiresAt).toBe(START + 10_000);
  clock.advance(1);
  expect(await store.get('t/big')).toBeUndefined();
  expect(await store.list('t/')).toEqual({ items: [] });
  expect(await store.put('t/big', ascii('again'), { ifAbsent: true })).toBe(true);
  expect(d((await store.get('t/big'))?.value)).toBe(d(ascii('again')));
});

test('list pages over small, large and expired values return every live key once, in order, with whole values', async () => {
  const keys = Array.from({ length: 14 }, (_, i) => `m/${String(i).padStart(2, '0')}`);
  const valueOf = (i: number) => (i % 3 === 0 ? ascii(`m${i}`, 420_000 + i) : `small-${i}`);
  for (const [i, key] of keys.entries()) await store.put(key, valueOf(i), i % 5 === 4 ? { ttlSeconds: 1 } : {});
  clock.advance(1_000);
  const live = keys.filter((_, i) => i % 5 !== 4);
  for (const limit of [1, 3, 4]) {
    const seen: [string, string | undefined][] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await store.list('m/', { limit, after });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((i): [string, string | undefined] => [i.key, d(i.value)]));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(live.map((key) => [key, d(valueOf(keys.indexOf(key)))]));
  }
});

test('delete removes the head and its parts', async () => {
  await store.put('d', ascii('d'));
  await store.put('keep', ascii('keep'));
  await store.delete('d');
  expect(await store.get('d')).toBeUndefined();
  expect(await rawHead('d')).toBeUndefined();
  expect((await partItems()).map((p) => p.of!.S)).toEqual(['keep', 'keep', 'keep']);
  expect(await store.put('d', 'small', { ifAbsent: true })).toBe(true);
});

test('a reader racing an overwrite that removes the parts reads again and never mixes two values', async () => {
  await store.put('r/1', ascii('old'));
  const writer = dynamoStore({ table, client: withEmulatedTransactions(client), clock });
  // The reader's next read of a part is preceded by this overwrite, which removes the parts.
  let overwrite: string | undefined;
  const racing = withEmulatedTransactions(client);
  const send = racing.send.bind(racing);
  racing.send = (async (command: unknown) => {
    if (command instanceof GetItemCommand && isPart(command.input.Key) && overwrite) {
      const value = overwrite;
      overwrite = undefined;
      await writer.put('r/1', value);
    }
    return send(command as GetItemCommand);
  }) as typeof racing.send;
  const reader = dynamoStore({ table, client: racing, clock });
  overwrite = ascii('new-1', 700_000);
  expect(d((await reader.get('r/1'))?.value)).toBe(d(ascii('new-1', 700_000)));
  overwrite = ascii('new-2', 800_000);
  expect((await reader.list('r/')).items.map((i) => d(i.value))).toEqual([d(ascii('new-2', 800_000))]);
  expect(overwrite).toBeUndefined();
  expect(await partItems()).toHaveLength(3);
});

test('parts gone while their head stays: gone with a TTL (DynamoDB\'s TTL took them first), a typed error without one', async () => {
  await store.put('timed', ascii('timed'), { ttlSeconds: 60 });
  await store.put('untimed', ascii('untimed'));
  for (const part of await partItems()) await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: part.pk!, sk: part.sk! } }));
  expect(await store.get('timed')).toBeUndefined();
  await expect(store.get('untimed')).rejects.toMatchObject({ code: 'store_value_damaged', retryable: false });
});

test('a failed cleanup of replaced parts does not fail the write that succeeded', async () => {
  await store.put('c', ascii('c'));
  const flaky = withEmulatedTransactions(client);
  const send = flaky.send.bind(flaky);
  flaky.send = (async (command: unknown) => {
    if (command instanceof DeleteItemCommand && isPart(command.input.Key)) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    return send(command as GetItemCommand);
  }) as typeof flaky.send;
  const other = dynamoStore({ table, client: flaky, clock });
  await expect(other.delete('c')).resolves.toBeUndefined();
  expect(await store.get('c')).toBeUndefined();
  expect(await partItems()).toHaveLength(3);
});

test('up to 3 MiB is taken; more, or a batch over a transaction\'s 4 MB, is refused with store_value_too_large and writes nothing', async () => {
  const largest = ascii('max', MAX_VALUE_BYTES);
  expect(await store.put('max', largest)).toBe(true);
  expect(d((await store.get('max'))?.value)).toBe(d(largest));
  await expect(store.put('over', `${largest}x`)).rejects.toMatchObject(refused);
  await expect(store.putAll([{ key: 'a', value: 'v' }, { key: 'over', value: `${largest}x` }])).rejects.toMatchObject(refused);
  const two = [{ key: 'two/1', value: ascii('1', 2 * MiB) }, { key: 'two/2', value: ascii('2', 2 * MiB) }];
  await expect(store.putAll(two)).rejects.toMatchObject({ ...refused, message: expect.stringMatching(/one DynamoDB transaction holds at most/) });
  for (const key of ['over', 'a', 'two/1', 'two/2']) expect(await store.get(key)).toBeUndefined();
  // More than 100 actions: out of reach with 25 writes under 4 MB, refused all the same.
  const deletes = Array.from({ length: 101 }, (_, i) => ({ Delete: { TableName: table, Key: { pk: { S: PARTITION }, sk: { S: `k${i}` } } } }));
  expect(() => checkTransaction(deletes)).toThrow(expect.objectContaining({ ...refused, message: expect.stringMatching(/101 items/) }));
});
