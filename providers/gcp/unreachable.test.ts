import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { blackHole, closedPort } from '../postgres/net-faults.testkit';
import { pubsubBus } from './bus-pubsub';
import { gaxCallOptions, storageOptions } from './client-options';
import { gcsObjects } from './objects-gcs';
import { cloudKmsSealer, type CloudKmsClient } from './sealer-cloudkms';
import { gcpSecrets, type SecretAccessClient } from './secrets-manager';
import { gcpNetworkReason } from './unavailable';

/**
 * Pub/Sub and Cloud Storage unreachable: the clients the providers build, pointed at 127.0.0.1
 * (Pub/Sub's emulator mode, a Storage `apiEndpoint`),
 * end every call in a typed retryable error after their (here shortened) timeouts and retries,
 * never in a hang until the platform's timeout or a raw client error. The per-test timeouts are
 * the only time bounds: generous, far above the configured ones.
 */
const SHORT = { attemptTimeoutMs: 300, totalTimeoutMs: 1_000 };
const BOUND_MS = 15_000;
const event: CloudEvent = { specversion: '1.0', id: 'u-1', source: 'secorch/test', type: 'secorch.system.test' };

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).message).not.toContain('127.0.0.1');
  return e as AppError;
}

const targets: [string, () => Promise<{ port: number; close(): Promise<void> }>][] = [
  ['a server that accepts TCP and never answers', () => blackHole()],
  ['a closed port', async () => ({ port: await closedPort(), close: async () => undefined })],
];

describe.each(targets)('Google Cloud providers against %s', (_name, open) => {
  let target: { port: number; close(): Promise<void> };
  beforeEach(async () => {
    target = await open();
  });
  afterEach(() => target.close());

  it('pubsubBus: publish and check reject with bus_unavailable naming the reason', async () => {
    const bus = pubsubBus({ topic: 'projects/test-project/topics/events', apiEndpoint: `127.0.0.1:${target.port}`, ...SHORT });
    const [publish, check] = await Promise.all([rejection(bus.publish(event)), rejection(bus.check())]);
    const down = { code: 'bus_unavailable', status: 503, retryable: true, expose: true, message: expect.stringMatching(/\((no response|connection refused|service unavailable)\); retry shortly$/) };
    expect(publish).toMatchObject(down);
    expect(check).toMatchObject(down);
  }, BOUND_MS);

  it('Cloud KMS and Secret Manager: each call ends in a retryable error within its bounds (the real gRPC clients, no credentials)', async () => {
    // Plain-text gRPC to 127.0.0.1 (sslCreds: no TLS and no Google credentials), as in emulator mode.
    const { credentials } = await import('@grpc/grpc-js');
    const endpoint = { apiEndpoint: '127.0.0.1', port: target.port, sslCreds: credentials.createInsecure() };
    const kms = new (await import('@google-cloud/kms')).KeyManagementServiceClient(endpoint);
    const secretManager = new (await import('@google-cloud/secret-manager')).SecretManagerServiceClient(endpoint);
    try {
      const sealer = cloudKmsSealer({ keyName: 'projects/p/locations/global/keyRings/r/cryptoKeys/k', client: kms as unknown as CloudKmsClient, ...SHORT });
      const secrets = gcpSecrets({ projectId: 'p', client: secretManager as unknown as SecretAccessClient, ...SHORT });
      const [seal, secret] = await Promise.all([rejection(sealer.seal('s3cret', { subscription: 'sub-1' })), rejection(secrets.get('api-key'))]);
      expect(seal).toMatchObject({ code: 'seal_failed', retryable: true, extra: { reason: 'kms' } });
      expect(secret).toMatchObject({ code: 'secret_unavailable', status: 503, retryable: true });
    } finally {
      await Promise.all([kms.close(), secretManager.close()]);
    }
  }, BOUND_MS);

  it('gcsObjects: reads, writes and check reject with object_storage_unavailable, not object_storage_failed', async () => {
    const objects = gcsObjects({ projectId: 'test-project', apiEndpoint: `http://127.0.0.1:${target.port}`, ...SHORT });
    const ops = [
      objects.get('bucket', 'a/b.json'),
      objects.put('bucket', 'a/b.json', '{}', { ifAbsent: true }),
      objects.head('bucket', 'a/b.json'),
      objects.list('bucket', 'a/'),
      objects.delete('bucket', 'a/b.json'),
      objects.check('bucket'),
    ];
    for (const e of await Promise.all(ops.map(rejection))) {
      expect(e).toMatchObject({ code: 'object_storage_unavailable', status: 503, retryable: true, expose: false, extra: expect.objectContaining({ bucket: 'bucket' }) });
    }
  }, BOUND_MS);
});

describe('gcpNetworkReason', () => {
  it('names unreachable-service errors, and leaves answers of the service alone', () => {
    const grpc = (code: number, message: string) => Object.assign(new Error(message), { code });
    expect(gcpNetworkReason(grpc(14, '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'))).toBe('connection refused');
    expect(gcpNetworkReason(grpc(4, 'Total timeout of API google.pubsub.v1.Publisher exceeded 1000 milliseconds retrying error Error: 14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1'))).toBe('connection refused');
    expect(gcpNetworkReason(grpc(4, '4 DEADLINE_EXCEEDED: Deadline exceeded after 0.301s'))).toBe('no response');
    expect(gcpNetworkReason(grpc(14, '14 UNAVAILABLE: The service is currently unavailable.'))).toBe('service unavailable');
    expect(gcpNetworkReason(Object.assign(new Error('getaddrinfo ENOTFOUND storage.googleapis.com'), { code: 'ENOTFOUND' }))).toBe('DNS lookup failed');
    expect(gcpNetworkReason(Object.assign(new Error('network timeout at: http://x'), { name: 'FetchError', type: 'request-timeout' }))).toBe('no response');
    // The service's answers: other gRPC codes and HTTP statuses.
    for (const code of [10, 9, 6, 5, 7, 3]) expect(gcpNetworkReason(grpc(code, `${code} ...`))).toBeUndefined();
    for (const code of [404, 412, 429, 503]) expect(gcpNetworkReason(Object.assign(new Error('x'), { code }))).toBeUndefined();
    expect(gcpNetworkReason(new TypeError('bug'))).toBeUndefined();
    expect(gcpNetworkReason(undefined)).toBeUndefined();
  });
});

describe('client options', () => {
  it('bound each attempt at 10 s and each call at 20 s by default; options override them', () => {
    expect(gaxCallOptions()).toEqual({
      timeout: 10_000,
      retry: { backoffSettings: { initialRetryDelayMillis: 100, retryDelayMultiplier: 2, maxRetryDelayMillis: 2_000, initialRpcTimeoutMillis: 10_000, rpcTimeoutMultiplier: 1, maxRpcTimeoutMillis: 10_000, totalTimeoutMillis: 20_000 } },
    });
    expect(gaxCallOptions({ attemptTimeoutMs: 1, totalTimeoutMs: 2 }).retry.backoffSettings).toMatchObject({ initialRpcTimeoutMillis: 1, totalTimeoutMillis: 2 });
    expect(storageOptions()).toEqual({ timeout: 10_000, retryOptions: { totalTimeout: 20, maxRetries: 3, maxRetryDelay: 2, retryDelayMultiplier: 2 } });
  });
});
