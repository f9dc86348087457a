import {
  DeleteItemCommand, DynamoDBClient, GetItemCommand, InternalServerError, ProvisionedThroughputExceededException, PutItemCommand,
  TransactionCanceledException, TransactionConflictException, TransactWriteItemsCommand, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { take } from '../../shared/ratelimit/token-bucket';
import { dynamoStore, MAX_ITEM_BYTES, PARTITION } from './store-dynamodb';
import { type Dynalite, startDynalite, withEmulatedTransactions } from './store-dynamodb.testkit';

/**
 * DynamoDB's answers that mean "busy, try again" which the SDK does not retry (capacity and
 * concurrent transactions), and the exact 400 KB item boundary. Capacity cannot be exhausted on
 * dynalite and it has no TransactWriteItems, so the transaction cases use a client mocked at the
 * SDK (as store-dynamodb.test.ts does for putAll); the delete, the resent put and the item-size
 * cases run on dynalite.
 *
 * A TransactionCanceledException is an HTTP 400 the SDK never retries, whatever its reasons:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 * ("There is insufficient provisioned capacity for the transaction to be completed": reasons
 * ThrottlingError or ProvisionedThroughputExceeded).
 */
const START = Date.parse('2026-01-01T00:00:00Z');

const cancelled = (...codes: string[]) => new TransactionCanceledException({
  message: 'Transaction cancelled', $metadata: { httpStatusCode: 400 }, CancellationReasons: codes.map((Code) => ({ Code })),
});
const mocked = (send: (command: unknown) => Promise<unknown>) => {
  const fn = jest.fn(send);
  return { fn, store: dynamoStore({ table: 'state', client: { send: fn } as unknown as DynamoDBClient, clock: fixedClock(START) }) };
};

describe('a transaction cancelled for capacity (mocked SDK: dynalite has no TransactWriteItems and no throttling)', () => {
  test.each(['ThrottlingError', 'ProvisionedThroughputExceeded'])('%s is retried, then the condition decides', async (code) => {
    let calls = 0;
    const { fn, store } = mocked(async () => {
      if (++calls < 3) throw cancelled('None', code);
      return {};
    });
    expect(await store.putAll([{ key: 'a', value: '1' }, { key: 'b', value: '2', opts: { ifAbsent: true } }])).toBe(true);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  test('a large value\'s split put (a transaction too) is retried the same way', async () => {
    let transactions = 0;
    const { store } = mocked(async (command) => {
      if (command instanceof TransactWriteItemsCommand && ++transactions < 3) throw cancelled('ThrottlingError', 'None', 'None');
      return {};
    });
    expect(await store.put('big', 'x'.repeat(MAX_ITEM_BYTES), { ifAbsent: true })).toBe(true);
    expect(transactions).toBe(3);
  });

  test('still throttled after the retries: a retryable 503 store_unavailable (a bounded number of sends)', async () => {
    const { fn, store } = mocked(async () => { throw cancelled('ThrottlingError', 'None'); });
    await expect(store.putAll([{ key: 'a', value: '1' }])).rejects.toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, cause: expect.any(TransactionCanceledException) });
    expect(fn).toHaveBeenCalledTimes(6);
  });

  test('a failed condition beside a throttled item is a clean false; a validation error is neither retried nor hidden', async () => {
    const { store } = mocked(async () => { throw cancelled('ThrottlingError', 'ConditionalCheckFailed'); });
    expect(await store.putAll([{ key: 'a', value: '1' }, { key: 'b', value: '2', opts: { ifAbsent: true } }])).toBe(false);
    const invalid = mocked(async () => { throw cancelled('TransactionConflict', 'ValidationError'); });
    await expect(invalid.store.putAll([{ key: 'a', value: '1' }, { key: 'b', value: '2' }])).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(invalid.fn).toHaveBeenCalledTimes(1);
  });
});

describe('on dynalite', () => {
  let dyn: Dynalite;
  let table: string;
  beforeAll(async () => {
    dyn = await startDynalite();
  });
  afterAll(() => dyn.close());
  beforeEach(async () => {
    table = await dyn.freshTable();
  });
  afterEach(() => dyn.dropTable(table));

  test('delete retries DynamoDB\'s "a transaction holds this item" answer (PutItem and DeleteItem get it, and the SDK does not retry it)', async () => {
    let conflicts = 2;
    const client = {
      send: (command: unknown) => {
        if (command instanceof DeleteItemCommand && conflicts-- > 0) {
          return Promise.reject(new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: { httpStatusCode: 400 } }));
        }
        return dyn.client.send(command as GetItemCommand);
      },
    } as unknown as DynamoDBClient;
    const store = dynamoStore({ table, client, clock: fixedClock(START) });
    await store.put('k', 'v');
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    expect(conflicts).toBe(-1);
  });

  /**
   * A conditional PutItem whose answer is lost after dynalite applied it, which the SDK's own retry
   * middleware sends again: a middleware inside it (the deserialize step, so once per attempt)
   * lets one PutItem through, lets another writer in, then throws the reset connection the SDK
   * retries (ECONNRESET). The resend fails its condition on an item that writer has rewritten.
   */
  function losingAnswers() {
    const client = new DynamoDBClient({ endpoint: dyn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const state: { armed?: () => Promise<void>; lost: number } = { lost: 0 };
    client.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      const hook = state.armed;
      if (!hook || context.commandName !== 'PutItemCommand') return result;
      state.armed = undefined;
      state.lost++;
      await hook();
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }, { step: 'deserialize', name: 'testLoseAnswer' });
    return { store: dynamoStore({ table, client, clock: fixedClock(START) }), state, arm: (hook: () => Promise<void>) => void (state.armed = hook) };
  }

  test('a put the SDK resent after a lost answer, with another writer in between: 503 commit outcome unknown, not a false that spends another token', async () => {
    const clock = fixedClock(START);
    const bucket = { perSecond: 0.001, burst: 5 };
    const other = dynamoStore({ table, client: dyn.client, clock });
    const mine = losingAnswers();
    expect(await take(mine.store, clock, 'bucket', bucket)).toEqual({ ok: true });
    mine.arm(async () => {
      expect(await take(other, clock, 'bucket', bucket)).toEqual({ ok: true });
    });
    const second = await take(mine.store, clock, 'bucket', bucket).then((r) => r, (e: unknown) => e);
    expect(mine.state.lost).toBe(1);
    expect(second).toBeInstanceOf(AppError);
    expect(second).toMatchObject({
      code: 'store_unavailable', status: 503, retryable: true, headers: { 'retry-after': '1' },
      message: 'DynamoDB state store unavailable during put (commit outcome unknown); retry shortly',
    });
    // Three takes applied, none twice: answering false took a fourth token.
    expect(JSON.parse((await other.get('bucket'))!.value).tokens).toBe(bucket.burst - 3);
  });

  test('a resent put that finds its own write is true; a condition failed at the first send stays false', async () => {
    const mine = losingAnswers();
    mine.arm(async () => undefined);
    expect(await mine.store.put('claim', 'mine', { ifAbsent: true })).toBe(true);
    expect(mine.state.lost).toBe(1);
    const held = (await mine.store.get('claim'))!;
    expect(held.value).toBe('mine');
    expect(await mine.store.put('claim', 'again', { ifAbsent: true })).toBe(false);
    expect(await mine.store.put('claim', 'again', { ifVersion: 'not-the-version' })).toBe(false);
    expect((await mine.store.get('claim'))?.value).toBe('mine');
  });

  /**
   * A conditional PutItem whose first try DynamoDB answers with an error the SDK retries, before
   * dynalite sees it: a middleware inside the retry middleware (the deserialize step, once per try)
   * lets another writer in, then throws `fault` instead of sending. The resend fails its condition
   * on that writer's item. Whether the first try could have been applied depends on the answer.
   */
  function failingFirstTry(fault: () => Error) {
    const client = new DynamoDBClient({ endpoint: dyn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const state: { armed?: () => Promise<void>; sends: number } = { sends: 0 };
    client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName !== 'PutItemCommand') return next(args);
      state.sends++;
      const hook = state.armed;
      if (!hook) return next(args);
      state.armed = undefined;
      await hook();
      throw fault();
    }, { step: 'deserialize', name: 'testFailFirstTry' });
    return { client, store: dynamoStore({ table, client, clock: fixedClock(START) }), state, arm: (hook: () => Promise<void>) => void (state.armed = hook) };
  }

  test.each([
    ['ProvisionedThroughputExceededException', () => new ProvisionedThroughputExceededException({ $metadata: { httpStatusCode: 400 }, message: 'throttled' })],
    ['ThrottlingException', () => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })],
  ])('a put whose first try was throttled (%s: refused, nothing written), with another writer in between, is false: a lost race, not commit outcome unknown', async (_name, fault) => {
    const other = dynamoStore({ table, client: dyn.client, clock: fixedClock(START) });
    expect(await other.put('claim', 'theirs-v1')).toBe(true);
    const held = (await other.get('claim'))!;
    const mine = failingFirstTry(fault);
    mine.arm(async () => {
      expect(await other.put('claim', 'theirs-v2')).toBe(true);
    });
    expect(await mine.store.put('claim', 'mine', { ifVersion: held.version })).toBe(false);
    expect(mine.state.sends).toBe(2);
    expect((await other.get('claim'))?.value).toBe('theirs-v2');
  });

  test('a put whose first try got a 500 (DynamoDB may have written), with another writer in between: 503 commit outcome unknown', async () => {
    const other = dynamoStore({ table, client: dyn.client, clock: fixedClock(START) });
    expect(await other.put('claim', 'theirs-v1')).toBe(true);
    const held = (await other.get('claim'))!;
    const mine = failingFirstTry(() => new InternalServerError({ $metadata: { httpStatusCode: 500 }, message: 'Internal server error' }));
    mine.arm(async () => {
      expect(await other.put('claim', 'theirs-v2')).toBe(true);
    });
    const out = await mine.store.put('claim', 'mine', { ifVersion: held.version }).then((r) => r, (e: unknown) => e);
    expect(mine.state.sends).toBe(2);
    expect(out).toMatchObject({ code: 'store_unavailable', status: 503, message: 'DynamoDB state store unavailable during put (commit outcome unknown); retry shortly' });
  });

  test('the try-watching middleware goes on a shared client once, however many stores use it', async () => {
    const { client } = failingFirstTry(() => new Error('unused'));
    const stores = [dynamoStore({ table, client, clock: fixedClock(START) }), dynamoStore({ table, client, clock: fixedClock(START) })];
    for (const store of stores) expect(await store.put('k', 'v')).toBe(true);
    expect(client.middlewareStack.identify().filter((entry) => entry.startsWith('secorchNoteTries'))).toHaveLength(1);
  });

  test('the inline-or-split choice measures the item as DynamoDB counts it: a long non-ASCII newVersion at the 400 KB boundary', async () => {
    // dynalite counts a string's UTF-16 code units, DynamoDB its UTF-8 bytes; this client refuses
    // what DynamoDB would, as DynamoDB does (ValidationException), before dynalite sees it.
    const strict = {
      send: (command: unknown) => {
        if (command instanceof PutItemCommand && dynamoItemBytes(command.input.Item!) > MAX_ITEM_BYTES) {
          return Promise.reject(Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }));
        }
        return dyn.client.send(command as GetItemCommand);
      },
    } as unknown as DynamoDBClient;
    const store = dynamoStore({ table, client: withEmulatedTransactions(strict), clock: fixedClock(START) });
    // 64 characters, as checkPutOptions allows, but 128 bytes of UTF-8.
    const newVersion = 'é'.repeat(64);
    const key = 'edge';
    // The old estimate (key + value + 160 bytes) called this inline; with the version's 128 bytes
    // the item is over 409,600 bytes, and DynamoDB refuses it.
    const value = 'x'.repeat(MAX_ITEM_BYTES - 160 - key.length);
    expect(await store.put(key, value, { newVersion, ttlSeconds: 60 })).toBe(true);
    expect(await store.get(key)).toEqual({ value, version: newVersion, expiresAt: START + 60_000 });
    // With an ordinary version the same value still fits one item, and stays inline.
    expect(await store.put(key, value, { newVersion: 'v-2', ttlSeconds: 60 })).toBe(true);
    const raw = await dyn.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: PARTITION }, sk: { S: key } }, ConsistentRead: true }));
    expect(raw.Item?.value?.S).toBe(value);
  });
});

/**
 * An item's size by DynamoDB's rules: each attribute name's UTF-8 bytes, a string's UTF-8 bytes, a
 * binary's bytes, a number's significant digits / 2 rounded up, plus 1:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
function dynamoItemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, v] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, 'utf8');
    if (v.S !== undefined) bytes += Buffer.byteLength(v.S, 'utf8');
    else if (v.B !== undefined) bytes += v.B.length;
    else if (v.N !== undefined) bytes += Math.ceil(v.N.replace(/^-|\.|^0+|0+$/g, '').length / 2) + 1;
    else throw new Error(`dynamoItemBytes: ${name} has a type this store does not write`);
  }
  return bytes;
}
