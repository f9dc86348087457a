import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DynamoDBClient, TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { dynamoStore } from './store-dynamodb';

/**
 * DynamoDB too busy for longer than the retries: a 503 store_unavailable with Retry-After, which
 * callers and queues retry, not the service's HTTP 400 (a generic 500 for an HTTP caller).
 * Neither dynalite nor any other server that runs here throttles, so a loopback HTTP server
 * answers every request as DynamoDB answers a throttled one (its JSON error protocol); the store
 * talks to it through its own SDK client and settings (3 attempts, the SDK's throttling backoff).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 */
const START = Date.parse('2026-01-01T00:00:00Z');

interface Throttler { endpoint: string; requests: number; close(): Promise<void> }

async function throttling(type: string, status = 400, message = 'The level of configured provisioned throughput for the table was exceeded.'): Promise<Throttler> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    req.resume().on('end', () => {
      state.requests++;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type, 'x-amzn-requestid': 'r' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() { return state.requests; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const storeAt = (endpoint: string) => dynamoStore({ table: 'state', endpoint, region: 'us-east-1', clock: fixedClock(START) });

describe('DynamoDB throttling that outlasts the SDK\'s retries (loopback server answering as throttled DynamoDB: none of the emulators throttles)', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    // The store's own default of 3 attempts, whatever the shell running the tests sets.
    delete process.env.AWS_MAX_ATTEMPTS;
  });
  afterAll(() => { process.env = saved; });

  test.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'])(
    '%s is a retryable 503 store_unavailable with Retry-After, after the SDK tried 3 times',
    async (type) => {
      const server = await throttling(type);
      try {
        const store = storeAt(server.endpoint);
        // Both at once: the SDK's throttling backoff (from 0.5 s) is real time.
        const ops = [['get', () => store.get('k')], ['put', () => store.put('k', 'v', { ifAbsent: true })]] as const;
        const failures = await Promise.all(ops.map(([, run]) => run().then(() => undefined, (err: unknown) => err)));
        for (const [i, e] of failures.entries()) {
          expect(e).toBeInstanceOf(AppError);
          expect(e).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' } });
          expect((e as AppError).message).toBe(`DynamoDB state store unavailable during ${ops[i]![0]} (throttled); retry shortly`);
          expect((e as AppError).cause).toMatchObject({ name: type, $metadata: { httpStatusCode: 400 } });
        }
        // Each call was sent 3 times (the SDK's attempts) before it failed.
        expect(server.requests).toBe(6);
      } finally {
        await server.close();
      }
    },
  );
});

describe('DynamoDB failing with its own 5xx past the SDK\'s retries (loopback server answering as DynamoDB does)', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    delete process.env.AWS_MAX_ATTEMPTS;
  });
  afterAll(() => { process.env = saved; });

  // Retryable per https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
  test.each([
    ['InternalServerError', 500, 'server error', 'Internal server error'],
    ['ServiceUnavailable', 503, 'service unavailable', 'Service unavailable'],
  ] as const)('%s (%i) is a retryable 503 store_unavailable (%s) with Retry-After, after the SDK tried 3 times', async (type, status, reason, message) => {
    const server = await throttling(type, status, message);
    try {
      const store = storeAt(server.endpoint);
      const ops = [['get', () => store.get('k')], ['put', () => store.put('k', 'v', { ifAbsent: true })]] as const;
      const failures = await Promise.all(ops.map(([, run]) => run().then(() => undefined, (err: unknown) => err)));
      for (const [i, e] of failures.entries()) {
        expect(e).toBeInstanceOf(AppError);
        expect(e).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' } });
        expect((e as AppError).message).toBe(`DynamoDB state store unavailable during ${ops[i]![0]} (${reason}); retry shortly`);
        expect((e as AppError).cause).toMatchObject({ name: type, $metadata: { httpStatusCode: status } });
      }
      expect(server.requests).toBe(6);
    } finally {
      await server.close();
    }
  });
});

describe('contention that outlasts the store\'s own retries (mocked SDK: dynalite has no TransactWriteItems)', () => {
  const mocked = (error: () => Error) => dynamoStore({
    table: 'state', clock: fixedClock(START),
    client: { send: async () => { throw error(); } } as unknown as DynamoDBClient,
  });
  const cancelled = (...codes: string[]) => () => new TransactionCanceledException({
    message: 'Transaction cancelled', $metadata: { httpStatusCode: 400 }, CancellationReasons: codes.map((Code) => ({ Code })),
  });

  const conflict = () => new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: { httpStatusCode: 400 } });
  test.each([
    ['a transaction cancelled for capacity', 'throttled', cancelled('ThrottlingError', 'None'), 'putAll'],
    ['a transaction cancelled by a concurrent one', 'contention', cancelled('TransactionConflict', 'None'), 'putAll'],
    ['a delete meeting a transaction in progress', 'contention', conflict, 'delete'],
  ] as const)('%s: 503 store_unavailable (%s)', async (_, reason, error, op) => {
    const store = mocked(error);
    const e = await (op === 'delete' ? store.delete('k') : store.putAll([{ key: 'a', value: '1' }])).then(() => undefined, (err: unknown) => err);
    expect(e).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, headers: { 'retry-after': '1' } });
    expect((e as AppError).message).toBe(`DynamoDB state store unavailable during ${op} (${reason}); retry shortly`);
    expect((e as AppError).cause).toBeInstanceOf(error().constructor);
  });

  test('a failed condition, a validation error and access denied keep their errors', async () => {
    expect(await mocked(cancelled('ThrottlingError', 'ConditionalCheckFailed')).putAll([{ key: 'a', value: '1' }, { key: 'b', value: '2', opts: { ifAbsent: true } }])).toBe(false);
    await expect(mocked(cancelled('TransactionConflict', 'ValidationError')).putAll([{ key: 'a', value: '1' }])).rejects.toBeInstanceOf(TransactionCanceledException);
    const denied = () => Object.assign(new Error('not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    await expect(mocked(denied).get('k')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const tooLarge = () => Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    await expect(mocked(tooLarge).put('k', 'v')).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
