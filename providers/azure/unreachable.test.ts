import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { blackHole, closedPort } from '../postgres/net-faults.testkit';
import { storageQueueBus } from './bus-storage-queue';
import { storageRetryOptions, tablesClientOptions } from './client-options';
import { azureNetworkReason } from './unavailable';
import { blobObjects } from './objects-blob';
import { storageQueueWakeUps } from './wakeups-storage-queue';
import { tableStore } from './store-table';

/**
 * Table, Blob and Queue storage unreachable: the SDK clients the providers build, pointed at
 * 127.0.0.1 by a connection string, end every call in a typed retryable error after their (here
 * shortened) timeouts and retries, never in a hang until the platform's timeout or a raw SDK
 * error. The per-test timeouts are the only time bounds: generous, far above the configured ones.
 */
const SHORT = { tryTimeoutMs: 300, retryDelayMs: 20 };
const BOUND_MS = 10_000;
const ACCOUNT_KEY = Buffer.from('never-shown-account-key-0123456789').toString('base64');
const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
const event: CloudEvent = { specversion: '1.0', id: 'u-1', source: 'secorch/test', type: 'secorch.system.test' };

const connectionString = (url: string) => [
  'DefaultEndpointsProtocol=http', 'AccountName=devstoreaccount1', `AccountKey=${ACCOUNT_KEY}`,
  `BlobEndpoint=${url}/devstoreaccount1`, `QueueEndpoint=${url}/devstoreaccount1`, `TableEndpoint=${url}/devstoreaccount1`,
].join(';');

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).message).not.toContain(ACCOUNT_KEY);
  expect((e as AppError).message).not.toContain('127.0.0.1');
  return e as AppError;
}

const storeDown = (op: string, why: RegExp) => ({
  code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' },
  message: expect.stringMatching(new RegExp(`^Azure Table state store unavailable during ${op} \\(${why.source}\\)`)),
});

const targets: [string, RegExp, () => Promise<{ url: string; close(): Promise<void> }>][] = [
  ['a server that accepts TCP and never answers', /no response/, async () => {
    const hole = await blackHole();
    return { url: `http://127.0.0.1:${hole.port}`, close: () => hole.close() };
  }],
  ['a closed port', /connection refused/, async () => ({ url: `http://127.0.0.1:${await closedPort()}`, close: async () => undefined })],
];

describe.each(targets)('Azure Storage providers against %s', (_name, why, open) => {
  let target: { url: string; close(): Promise<void> };
  beforeEach(async () => {
    target = await open();
  });
  afterEach(() => target.close());

  it('tableStore: every operation rejects with store_unavailable naming it', async () => {
    const store = tableStore({ connectionString: connectionString(target.url), table: 'unused', allowInsecureConnection: true, clock, ...SHORT });
    const ops: [string, () => Promise<unknown>][] = [
      ['get', () => store.get('k')],
      ['put', () => store.put('k', 'v', { ifAbsent: true })],
      ['putAll', () => store.putAll([{ key: 'k', value: 'v' }])],
      ['list', () => store.list('')],
      ['delete', () => store.delete('k')],
      ['check', () => store.check()],
    ];
    const errors = await Promise.all(ops.map(([, run]) => rejection(run())));
    errors.forEach((e, i) => expect(e).toMatchObject(storeDown(ops[i]![0], why)));
    await store.close();
  }, BOUND_MS);

  it('storageQueueBus: publish and check reject with bus_unavailable naming the reason; wake-ups reject too', async () => {
    const bus = storageQueueBus({ connectionString: connectionString(target.url), queueName: 'events', ...SHORT });
    const [publish, check] = await Promise.all([rejection(bus.publish(event)), rejection(bus.check())]);
    expect(publish).toMatchObject({ code: 'bus_unavailable', status: 503, retryable: true, expose: true, message: expect.stringMatching(why) });
    expect(check).toMatchObject({ code: 'bus_unavailable', status: 503, message: expect.stringMatching(why) });
    const wakeUps = storageQueueWakeUps({ connectionString: connectionString(target.url), queueName: 'wake', clock, ...SHORT });
    await expect(wakeUps.schedule({ at: clock.now(), tenant: 't', id: 'd' })).rejects.toThrow();
  }, BOUND_MS);

  it('blobObjects: reads, writes and check reject with object_storage_unavailable, not object_storage_failed', async () => {
    const objects = blobObjects({ connectionString: connectionString(target.url), ...SHORT });
    const ops = [
      objects.get('bucket', 'a/b.json'),
      objects.stream('bucket', 'a/b.json'),
      objects.put('bucket', 'a/b.json', '{}', { ifAbsent: true }),
      objects.head('bucket', 'a/b.json'),
      objects.list('bucket', 'a/'),
      objects.move('bucket', 'a/b.json', 'c/b.json'),
      objects.delete('bucket', 'a/b.json'),
      objects.check('bucket'),
    ];
    for (const e of await Promise.all(ops.map(rejection))) {
      expect(e).toMatchObject({ code: 'object_storage_unavailable', status: 503, retryable: true, expose: false, extra: expect.objectContaining({ bucket: 'bucket', reason: expect.stringMatching(why) }) });
    }
  }, BOUND_MS);
});

describe('azureNetworkReason', () => {
  it('names socket errors and our deadlines, and leaves answers of the service alone', () => {
    expect(azureNetworkReason(Object.assign(new Error('connect ECONNREFUSED'), { name: 'RestError', code: 'ECONNREFUSED' }))).toBe('connection refused');
    expect(azureNetworkReason(Object.assign(new Error('getaddrinfo ENOTFOUND'), { name: 'RestError', code: 'ENOTFOUND' }))).toBe('DNS lookup failed');
    expect(azureNetworkReason(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe('no response');
    expect(azureNetworkReason(Object.assign(new Error('exists'), { name: 'RestError', code: 'EntityAlreadyExists', statusCode: 409 }))).toBeUndefined();
    expect(azureNetworkReason(Object.assign(new Error('busy'), { name: 'RestError', code: 'ServerBusy', statusCode: 503 }))).toBeUndefined();
    expect(azureNetworkReason(new TypeError('bug'))).toBeUndefined();
  });
});

describe('client options', () => {
  it('storage: 3 tries, 1 s then doubling, a 10 s server-side timeout; tables: 2 retries and a per-try timeout policy', () => {
    expect(storageRetryOptions({})).toEqual({ maxTries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 4000, tryTimeoutInMs: 10000 });
    expect(storageRetryOptions({ tryTimeoutMs: 300 }).tryTimeoutInMs).toBe(1000);
    const tables = tablesClientOptions({});
    expect(tables.retryOptions).toEqual({ maxRetries: 2, retryDelayInMs: 1000, maxRetryDelayInMs: 4000 });
    const request = { timeout: 0 };
    void tables.additionalPolicies[0]!.policy.sendRequest(request, async (r) => r);
    expect(request.timeout).toBe(10000);
  });
});
