import {
  DynamoDBClient, GetItemCommand, TransactionCanceledException, TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { fixedClock } from '../../shared/ports/clock';
import { describeStateStoreLimits } from '../../shared/store/contract-limits.testkit';
import { describeStateStoreContract } from '../../shared/store/contract.testkit';
import { createStateTable, dynamoStore, MAX_ITEM_BYTES, PARTITION } from './store-dynamodb';
import { type Dynalite, startDynalite, withEmulatedTransactions } from './store-dynamodb.testkit';

/**
 * Runs on dynalite, a DynamoDB protocol server started in-process (store-dynamodb.testkit.ts).
 * dynalite does not implement TransactWriteItems (the first test pins that), so:
 *  - the contract suite wraps the client and emulates TransactWriteItems at the SDK with
 *    dynalite's own conditional PutItems and DeleteItems, serialised, undone on a failed condition;
 *  - the exact TransactWriteItems request and its error mapping are checked with a client mocked
 *    at the SDK.
 * Values too large for one item: store-dynamodb-large.test.ts.
 */
const START = Date.parse('2026-01-01T00:00:00Z');

let dyn: Dynalite;
let client: DynamoDBClient;
beforeAll(async () => {
  dyn = await startDynalite();
  client = dyn.client;
});
afterAll(() => dyn.close());
const freshTable = () => dyn.freshTable();
const dropTable = (name: string) => dyn.dropTable(name);

test('dynalite itself has no TransactWriteItems (why putAll is emulated or mocked below)', async () => {
  const table = await freshTable();
  const put = { TableName: table, Item: { pk: { S: PARTITION }, sk: { S: 'k' }, value: { S: 'v' }, version: { S: '1' } } };
  await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: put }] }))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  await dropTable(table);
});

const EMULATED = 'DynamoDB on dynalite (TransactWriteItems emulated at the SDK over dynalite: dynalite lacks it)';
const fresh = async () => {
  const clock = fixedClock(START);
  const table = await freshTable();
  return { store: dynamoStore({ table, client: withEmulatedTransactions(client), clock }), clock, close: () => dropTable(table) };
};
describeStateStoreContract(EMULATED, fresh);
describeStateStoreLimits(EMULATED, fresh);

describe('dynamoStore on dynalite', () => {
  let table: string;
  beforeEach(async () => {
    table = await freshTable();
  });
  afterEach(() => dropTable(table));

  it('stores one item per key in the single partition, with expiresAt for reads and purgeAt for native TTL', async () => {
    const clock = fixedClock(START);
    const store = dynamoStore({ table, client, clock });
    await store.put('tenant/a', 'v', { ttlSeconds: 10 });
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: PARTITION }, sk: { S: 'tenant/a' } } }));
    expect(Item).toEqual({
      pk: { S: 'secorch' }, sk: { S: 'tenant/a' }, value: { S: 'v' }, version: { S: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      expiresAt: { N: String(START + 10_000) }, purgeAt: { N: String(START / 1000 + 10 + 3600) },
    });
  });

  it('keeps reading past expired items that fill a Query page before the filter', async () => {
    const clock = fixedClock(START);
    const store = dynamoStore({ table, client, clock });
    for (let i = 0; i < 12; i++) await store.put(`p/${String(i).padStart(2, '0')}`, 'gone', { ttlSeconds: 1 });
    await store.put('p/50', 'a');
    await store.put('p/60', 'b');
    clock.advance(1_000);
    expect(await store.list('p/', { limit: 1 })).toEqual({ items: [expect.objectContaining({ key: 'p/50', value: 'a' })], next: 'p/50' });
    expect(await store.list('p/', { limit: 1, after: 'p/50' })).toEqual({ items: [expect.objectContaining({ key: 'p/60' })] });
  });

  it('lists every key for an empty prefix, and resolves an `after` outside the prefix', async () => {
    const store = dynamoStore({ table, client, clock: fixedClock(START) });
    for (const key of ['b/2', 'a/1', 'b/1', 'c/1']) await store.put(key, key);
    expect((await store.list('')).items.map((i) => i.key)).toEqual(['a/1', 'b/1', 'b/2', 'c/1']);
    expect((await store.list('b/', { after: 'a/zzz' })).items.map((i) => i.key)).toEqual(['b/1', 'b/2']);
    expect(await store.list('b/', { after: 'b0' })).toEqual({ items: [] });
    expect((await store.list('', { after: '' })).items).toHaveLength(4);
    expect((await store.list('', { after: 'b/1' })).items.map((i) => i.key)).toEqual(['b/2', 'c/1']);
  });

  it('keeps a value that fits one item inline exactly as before, and splits one that does not', async () => {
    const store = dynamoStore({ table, client: withEmulatedTransactions(client), clock: fixedClock(START) });
    const fits = 'x'.repeat(MAX_ITEM_BYTES - 160 - 'big-ok'.length);
    expect(await store.put('big-ok', fits)).toBe(true);
    const raw = (key: string) => client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: PARTITION }, sk: { S: key } } })).then((o) => o.Item);
    expect(await raw('big-ok')).toEqual({ pk: { S: PARTITION }, sk: { S: 'big-ok' }, value: { S: fits }, version: { S: expect.any(String) } });
    // One byte more: on the old code this was refused with store_value_too_large.
    const over = `${fits}x`;
    expect(await store.put('big-ok', over)).toBe(true);
    const head = await raw('big-ok');
    expect(head?.value).toBeUndefined();
    expect(head).toEqual(expect.objectContaining({ parts: { N: '2' }, partsId: { S: expect.any(String) }, bytes: { N: String(over.length) } }));
    expect((await store.get('big-ok'))?.value).toBe(over);
  });

  it('a conditional put whose answer was lost and that the SDK resent is true (its own write), another writer\'s item false', async () => {
    const clock = fixedClock(START);
    // What the SDK does after a lost answer: the PutItem reached DynamoDB (and was applied), the
    // reply did not, and the resend is what the caller gets back.
    const resending = { send: async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'PutItemCommand') await client.send(command as never);
      return client.send(command as never);
    } } as unknown as DynamoDBClient;
    const store = dynamoStore({ table, client: resending, clock });
    expect(await store.put('claim', 'mine', { ifAbsent: true, ttlSeconds: 60 })).toBe(true);
    const first = await store.get('claim');
    expect(first?.value).toBe('mine');
    expect(await store.put('claim', 'next', { ifVersion: first!.version })).toBe(true);
    expect((await store.get('claim'))?.value).toBe('next');
    // A condition failed by someone else's item stays false.
    const plain = dynamoStore({ table, client, clock });
    expect(await plain.put('claim', 'theirs', { ifAbsent: true })).toBe(false);
    expect(await plain.put('claim', 'theirs', { ifVersion: first!.version })).toBe(false);
    expect((await plain.get('claim'))?.value).toBe('next');
  });

  it('check() fails for a missing table; without a client one is built from endpoint and region', async () => {
    const { endpoint } = dyn;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'test'; // the default credential chain reads these
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    try {
      await expect(dynamoStore({ table: 'no-such-table', client, clock: fixedClock(START) }).check()).rejects.toThrow(/not found|ResourceNotFound/i);
      const store = dynamoStore({ table, endpoint, region: 'us-east-1', clock: fixedClock(START) });
      await store.check();
      expect(await store.put('k', 'v', { ifAbsent: true })).toBe(true);
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('createStateTable leaves an existing table as it is', async () => {
    const store = dynamoStore({ table, client, clock: fixedClock(START) });
    await store.put('k', 'v');
    await createStateTable(client, table);
    expect((await store.get('k'))?.value).toBe('v');
  });
});

describe('putAll with DynamoDB mocked at the SDK (dynalite has no TransactWriteItems)', () => {
  const mocked = (send: (command: unknown) => Promise<unknown>) => {
    const fn = jest.fn(send);
    return { fn, store: dynamoStore({ table: 'state', client: { send: fn } as unknown as DynamoDBClient, clock: fixedClock(START) }) };
  };
  const cancelled = (...codes: string[]) => new TransactionCanceledException({
    message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })),
  });

  it('sends one TransactWriteItems with each write\'s condition, its newVersion, and unconditional Deletes', async () => {
    const { fn, store } = mocked(async () => ({}));
    expect(await store.putAll([
      { key: 'a', value: '1', opts: { ifAbsent: true, ttlSeconds: 60 } },
      { key: 'b', value: '2', opts: { ifVersion: 'v-1', newVersion: 'v-2' } },
      { key: 'c', value: '3' },
      { key: 'd', delete: true },
    ])).toBe(true);
    expect(fn).toHaveBeenCalledTimes(1);
    const command = fn.mock.calls[0]![0] as TransactWriteItemsCommand;
    expect(command).toBeInstanceOf(TransactWriteItemsCommand);
    const items = command.input.TransactItems!;
    expect(items.map((t) => Object.keys(t))).toEqual([['Put'], ['Put'], ['Put'], ['Delete']]);
    const [a, b, c] = items.map((t) => t.Put!);
    expect(a).toEqual({
      TableName: 'state',
      Item: { pk: { S: 'secorch' }, sk: { S: 'a' }, value: { S: '1' }, version: { S: expect.any(String) }, expiresAt: { N: String(START + 60_000) }, purgeAt: { N: String(START / 1000 + 60 + 3600) } },
      ConditionExpression: 'attribute_not_exists(#sk) OR #e <= :now',
      ExpressionAttributeNames: { '#sk': 'sk', '#e': 'expiresAt' },
      ExpressionAttributeValues: { ':now': { N: String(START) } },
    });
    expect(b).toEqual(expect.objectContaining({
      Item: expect.objectContaining({ sk: { S: 'b' }, version: { S: 'v-2' } }),
      ConditionExpression: '#v = :v AND (attribute_not_exists(#e) OR #e > :now)',
      ExpressionAttributeValues: { ':v': { S: 'v-1' }, ':now': { N: String(START) } },
    }));
    expect(c).toEqual({ TableName: 'state', Item: expect.objectContaining({ sk: { S: 'c' } }) });
    expect(a!.Item!.version!.S).not.toBe(c!.Item!.version!.S);
    // No condition on a Delete: DynamoDB deletes an absent item without complaint.
    expect(items[3]!.Delete).toEqual({ TableName: 'state', Key: { pk: { S: 'secorch' }, sk: { S: 'd' } } });
  });

  it('answers false when the cancellation names a failed condition', async () => {
    const { store } = mocked(async () => { throw cancelled('None', 'ConditionalCheckFailed'); });
    expect(await store.putAll([{ key: 'a', value: '1' }, { key: 'b', value: '2', opts: { ifAbsent: true } }])).toBe(false);
  });

  it('retries a conflict with a concurrent transaction, then answers by the condition', async () => {
    let calls = 0;
    const { fn, store } = mocked(async () => {
      if (++calls < 3) throw cancelled('TransactionConflict', 'None');
      return {};
    });
    expect(await store.putAll([{ key: 'a', value: '1' }, { key: 'b', value: '2' }])).toBe(true);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('rethrows other failures, and writes nothing for contradictory options', async () => {
    const { fn, store } = mocked(async () => { throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }); });
    await expect(store.putAll([{ key: 'a', value: '1' }])).rejects.toThrow('throttled');
    fn.mockClear();
    await expect(store.putAll([{ key: 'a', value: '1' }, { key: 'x'.repeat(513), delete: true }])).rejects.toMatchObject({ code: 'store_key_invalid' });
    expect(await store.putAll([{ key: 'a', value: '1', opts: { ifAbsent: true, ifVersion: 'x' } }])).toBe(false);
    expect(await store.putAll([])).toBe(true);
    expect(fn).not.toHaveBeenCalled();
  });
});
