import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { blackHole, closedPort } from '../postgres/net-faults.testkit';
import { sqsBus } from './bus-sqs';
import { awsClientConfig } from './client-options';
import { awsNetworkReason } from './unavailable';
import { s3Objects } from './objects-s3';
import { dynamoStore } from './store-dynamodb';

/**
 * DynamoDB, SQS and S3 unreachable: SDK clients built by the providers, pointed at 127.0.0.1, end
 * every call in a typed retryable error after their (here shortened) timeouts and the SDK's own
 * retries, never in a hang until the platform's timeout or a raw SDK error. The per-test timeouts
 * are the only time bounds: generous, far above 3-4 attempts of the configured 300 ms.
 */
const SHORT = { connectTimeoutMs: 300, socketTimeoutMs: 300, region: 'us-east-1' };
const BOUND_MS = 10_000;
const SECRET = 'never-shown-secret-key';
const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
const event: CloudEvent = { specversion: '1.0', id: 'u-1', source: 'secorch/test', type: 'secorch.system.test' };

const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(() => {
  // The default credential chain reads these; without them the SDK would fail before any I/O.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDUNREACHABLE';
  process.env.AWS_SECRET_ACCESS_KEY = SECRET;
});
afterAll(() => {
  for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).message).not.toContain(SECRET);
  return e as AppError;
}

const storeDown = (op: string, why: RegExp) => ({
  code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' },
  message: expect.stringMatching(new RegExp(`^DynamoDB state store unavailable during ${op} \\(${why.source}\\)`)),
});
const busDown = { code: 'bus_unavailable', status: 503, retryable: true, expose: true };
const objectsDown = { code: 'object_storage_unavailable', status: 503, retryable: true, expose: false };

/** Runs `body` against a black hole and against a closed port, each as `http://127.0.0.1:port`. */
const targets: [string, RegExp, () => Promise<{ url: string; close(): Promise<void> }>][] = [
  ['a server that accepts TCP and never answers', /no response/, async () => {
    const hole = await blackHole();
    return { url: `http://127.0.0.1:${hole.port}`, close: () => hole.close() };
  }],
  ['a closed port', /connection refused/, async () => ({ url: `http://127.0.0.1:${await closedPort()}`, close: async () => undefined })],
];

describe.each(targets)('AWS providers against %s', (_name, why, open) => {
  let target: { url: string; close(): Promise<void> };
  beforeEach(async () => {
    target = await open();
  });
  afterEach(() => target.close());

  it('dynamoStore: every operation rejects with store_unavailable naming it', async () => {
    const store = dynamoStore({ table: 'unused', endpoint: target.url, clock, ...SHORT });
    const ops: [string, () => Promise<unknown>][] = [
      ['get', () => store.get('k')],
      ['put', () => store.put('k', 'v', { ifAbsent: true })],
      ['putAll', () => store.putAll([{ key: 'k', value: 'v' }, { key: 'j', delete: true }])],
      ['list', () => store.list('')],
      ['delete', () => store.delete('k')],
      ['check', () => store.check()],
    ];
    const errors = await Promise.all(ops.map(([, run]) => rejection(run())));
    errors.forEach((e, i) => expect(e).toMatchObject(storeDown(ops[i]![0], why)));
    expect(errors[0]!.message).not.toContain(target.url);
  }, BOUND_MS);

  it('sqsBus: publish and check reject with bus_unavailable', async () => {
    const bus = sqsBus({ queueUrl: `${target.url}/000000000000/events`, endpoint: target.url, ...SHORT });
    const [publish, check] = await Promise.all([rejection(bus.publish(event)), rejection(bus.check())]);
    expect(publish).toMatchObject({ ...busDown, message: expect.stringMatching(why) });
    expect(check).toMatchObject(busDown);
  }, BOUND_MS);

  it('s3Objects: reads, writes and check reject with object_storage_unavailable, not object_storage_failed', async () => {
    const objects = s3Objects({ endpoint: target.url, forcePathStyle: true, ...SHORT });
    const ops = [
      objects.get('bucket', 'a/b.json'),
      objects.put('bucket', 'a/b.json', '{}', { ifAbsent: true }),
      objects.head('bucket', 'a/b.json'),
      objects.list('bucket', 'a/'),
      objects.delete('bucket', 'a/b.json'),
      objects.check('bucket'),
    ];
    for (const e of await Promise.all(ops.map(rejection))) {
      expect(e).toMatchObject({ ...objectsDown, extra: expect.objectContaining({ bucket: 'bucket', reason: expect.stringMatching(why) }) });
    }
  }, BOUND_MS);
});

describe('awsNetworkReason', () => {
  it('names socket, DNS and handler timeout errors, and leaves answers of the service alone', () => {
    expect(awsNetworkReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('connection refused');
    expect(awsNetworkReason(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }))).toBe('DNS lookup failed');
    expect(awsNetworkReason(Object.assign(new Error('x'), { errors: [{ code: 'ECONNRESET' }] }))).toBe('connection reset');
    expect(awsNetworkReason(Object.assign(new Error('the request socket did not establish a connection with the server within the configured timeout of 3000 ms.'), { name: 'TimeoutError' }))).toBe('connect timeout');
    // The service's own answers: a status, so not a network failure.
    expect(awsNetworkReason(Object.assign(new Error('throttled'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))).toBeUndefined();
    expect(awsNetworkReason(Object.assign(new Error('Your socket connection to the server was not read from'), { name: 'RequestTimeout', $metadata: { httpStatusCode: 400 } }))).toBeUndefined();
    expect(awsNetworkReason(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } }))).toBeUndefined();
    expect(awsNetworkReason(new TypeError('bug'))).toBeUndefined();
  });

  it('reads the errno out of the SDK\'s wrapper for a foreign-realm error', () => {
    expect(awsNetworkReason(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'))).toBe('connection refused');
    expect(awsNetworkReason(new Error('AWS SDK error wrapper for Error: getaddrinfo EAI_AGAIN dynamodb.us-east-1.amazonaws.com'))).toBe('DNS lookup failed');
    expect(awsNetworkReason(new Error('AWS SDK error wrapper for [object Object]'))).toBeUndefined();
  });
});

describe('awsClientConfig', () => {
  it('bounds connect (2 s), socket inactivity (10 s) and attempts (3, unless AWS_MAX_ATTEMPTS) by default; options override them', () => {
    expect(awsClientConfig({ region: 'eu-west-1' }, {})).toEqual({ region: 'eu-west-1', endpoint: undefined, maxAttempts: 3, requestHandler: { connectionTimeout: 2000, socketTimeout: 10000 } });
    // AWS_MAX_ATTEMPTS set: the SDK reads it, so the config leaves attempts unset.
    expect(awsClientConfig({}, { AWS_MAX_ATTEMPTS: '5' }).maxAttempts).toBeUndefined();
    expect(awsClientConfig({ connectTimeoutMs: 1, socketTimeoutMs: 2 }).requestHandler).toEqual({ connectionTimeout: 1, socketTimeout: 2 });
  });
});
