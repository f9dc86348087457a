import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import {
  DeleteItemCommand, DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactionCanceledException,
  TransactWriteItemsCommand, type AttributeValue, type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { fixedClock } from '../../shared/ports/clock';
import { describeStateStoreContract } from '../../shared/store/contract.testkit';
import { createStateTable, dynamoStore, MAX_ITEM_BYTES, MAX_KEY_BYTES, PARTITION } from './store-dynamodb';

/**
 * Runs on dynalite 4.0.0, a DynamoDB protocol server started in-process on 127.0.0.1 and a free
 * port: every GetItem, conditional PutItem, Query and DeleteItem goes over the wire and dynalite
 * evaluates the ConditionExpressions and FilterExpressions itself. dynalite does not implement
 * TransactWriteItems (it answers UnknownOperationException; the first test pins that), so:
 *  - the contract suite wraps the client and emulates TransactWriteItems at the SDK with
 *    dynalite's own conditional PutItems and DeleteItems, serialised, undone on a failed condition;
 *  - the exact TransactWriteItems request and its error mapping are checked with a client mocked
 *    at the SDK.
 */
const START = Date.parse('2026-01-01T00:00:00Z');
const loadDynalite = createRequire(__filename)('dynalite') as (opts: object) => Server;

let server: Server;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  server = loadDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function freshTable(): Promise<string> {
  const name = `secorch-state-${process.pid}-${++tables}`;
  await createStateTable(client, name);
  return name;
}
const dropTable = (name: string) => client.send(new DeleteTableCommand({ TableName: name })).then(() => undefined);

/**
 * TransactWriteItems emulated over dynalite: one transaction at a time, each Put sent as a real
 * conditional PutItem and each Delete as a DeleteItem; when one condition fails the writes
 * already made are undone from their before-images and the cancellation DynamoDB would send is
 * thrown.
 */
function withEmulatedTransactions(real: DynamoDBClient): DynamoDBClient {
  let queue: Promise<unknown> = Promise.resolve();
  const transact = async (items: TransactWriteItem[]) => {
    const undo: { table: string; key: Record<string, AttributeValue>; before?: Record<string, AttributeValue> }[] = [];
    for (const [i, { Put: put, Delete: del }] of items.entries()) {
      const table = (put ?? del)!.TableName!;
      const key = put ? { pk: put.Item!.pk!, sk: put.Item!.sk! } : del!.Key!;
      const before = (await real.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
      try {
        if (put) await real.send(new PutItemCommand(put));
        else await real.send(new DeleteItemCommand(del!));
      } catch (e) {
        if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
        for (const done of undo.reverse()) {
          if (done.before) await real.send(new PutItemCommand({ TableName: done.table, Item: done.before }));
          else await real.send(new DeleteItemCommand({ TableName: done.table, Key: done.key }));
        }
        throw new TransactionCanceledException({
          message: 'Transaction cancelled', $metadata: {},
          CancellationReasons: items.map((_, j) => ({ Code: j === i ? 'ConditionalCheckFailed' : 'None' })),
        });
      }
      undo.push({ table, key, before });
    }
    return {};
  };
  const send = (command: { input: unknown }) => {
    if (!(command instanceof TransactWriteItemsCommand)) return real.send(command as GetItemCommand);
    const items = command.input.TransactItems!;
    if (!items.every((t) => Object.keys(t).length === 1 && (t.Put || t.Delete))) throw new Error('emulated TransactWriteItems: Put and Delete only');
    const run = queue.then(() => transact(items));
    queue = run.catch(() => undefined);
    return run;
  };
  return { send } as unknown as DynamoDBClient;
}

test('dynalite itself has no TransactWriteItems (why putAll is emulated or mocked below)', async () => {
  const table = await freshTable();
  const put = { TableName: table, Item: { pk: { S: PARTITION }, sk: { S: 'k' }, value: { S: 'v' }, version: { S: '1' } } };
  await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: put }] }))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  await dropTable(table);
});

describeStateStoreContract('DynamoDB on dynalite (TransactWriteItems emulated at the SDK over dynalite: dynalite lacks it)', async () => {
  const clock = fixedClock(START);
  const table = await freshTable();
  return { store: dynamoStore({ table, client: withEmulatedTransactions(client), clock }), clock, close: () => dropTable(table) };
});

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

  it('takes keys up to DynamoDB\'s 1024-byte sort key and refuses longer or empty ones clearly', async () => {
    const store = dynamoStore({ table, client, clock: fixedClock(START) });
    const longest = 'é'.repeat(MAX_KEY_BYTES / 2);
    expect(await store.put(longest, 'v')).toBe(true);
    expect((await store.get(longest))?.value).toBe('v');
    await expect(store.put(`${longest}x`, 'v')).rejects.toThrow(/1025 bytes of UTF-8; DynamoDB allows at most 1024/);
    await expect(store.get('')).rejects.toThrow(RangeError);
    await expect(store.putAll([{ key: 'x'.repeat(1025), value: 'v' }])).rejects.toThrow(RangeError);
  });

  it('refuses a value over the 400 KB item limit with a clear, non-retryable error, in put and putAll', async () => {
    const store = dynamoStore({ table, client, clock: fixedClock(START) });
    const fits = 'x'.repeat(MAX_ITEM_BYTES - 1024);
    expect(await store.put('big-ok', fits)).toBe(true);
    expect((await store.get('big-ok'))?.value).toHaveLength(fits.length);
    const over = 'é'.repeat(MAX_ITEM_BYTES / 2); // 400 KB of UTF-8 and the key: over
    const refused = { code: 'store_value_too_large', status: 413, retryable: false };
    await expect(store.put('big-no', over)).rejects.toMatchObject(refused);
    await expect(store.putAll([{ key: 'a', value: 'v' }, { key: 'big-no', value: over }])).rejects.toMatchObject(refused);
    expect(await store.get('big-no')).toBeUndefined();
    expect(await store.get('a')).toBeUndefined();
  });

  it('check() fails for a missing table; without a client one is built from endpoint and region', async () => {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
    await expect(store.putAll([{ key: 'a', value: '1' }, { key: 'x'.repeat(1025), delete: true }])).rejects.toThrow(RangeError);
    expect(await store.putAll([{ key: 'a', value: '1', opts: { ifAbsent: true, ifVersion: 'x' } }])).toBe(false);
    expect(await store.putAll([])).toBe(true);
    expect(fn).not.toHaveBeenCalled();
  });
});
