import { Firestore, v1 } from '@google-cloud/firestore';
import { AppError } from '../../shared/errors';
import { FakeFirestore } from './firestore-fake.testkit';
import { grpcError } from './firestore-fake-limits.testkit';
import { firestoreStore } from './store-firestore';
import { firestoreClientConfig } from './store-firestore-bounds';
import { fakeClock, fakeTime, settleOnFakeTime } from './store-firestore-time.testkit';

/**
 * Every store operation ends by its deadline (20 s) with a typed, retryable 503, however long
 * Firestore stays contended, throttled or silent. No Firestore emulator can run here (a Java
 * binary from the gcloud SDK): FakeFirestore stands in at the SDK, retrying transactions with the
 * library's own backoff (1 s growing x1.5, 60 s after RESOURCE_EXHAUSTED, up to maxAttempts), on
 * jest's fake timers so the minutes the library would wait pass instantly.
 */
const DEADLINE_MS = 20_000;
const contended = () => grpcError(10, 'Aborted due to cross-transaction contention.');
const throttled = () => grpcError(8, 'Quota exceeded.');
const unavailable = () => grpcError(14, 'No connection established. Last error: connect ECONNREFUSED 10.0.0.1:443');

function setup() {
  const fake = new FakeFirestore();
  return { fake, store: firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock: fakeClock }) };
}

beforeEach(() => fakeTime());
afterEach(() => jest.useRealTimers());

describe('firestoreStore bounds every operation in time (Firestore mocked at the SDK: no emulator can run here)', () => {
  it.each([
    ['contention (ABORTED)', contended, 'contention'],
    ['throttling (RESOURCE_EXHAUSTED)', throttled, 'throttled'],
    ['an outage (UNAVAILABLE)', unavailable, 'connection refused'],
  ])('a write meeting %s on every commit ends within the deadline with 503 store_unavailable', async (_, fault, reason) => {
    const { fake, store } = setup();
    fake.commitFault = fault;
    const writes: [string, () => Promise<unknown>][] = [
      ['put', () => store.put('k', 'v', { ifAbsent: true })],
      ['putAll', () => store.putAll([{ key: 'a', value: '1' }, { key: 'b', delete: true }])],
      ['delete', () => store.delete('k')],
    ];
    for (const [op, run] of writes) {
      const attempts = fake.attempts;
      const out = await settleOnFakeTime(run);
      expect(out.settled).toBe(true);
      expect(out.elapsedMs).toBeLessThanOrEqual(DEADLINE_MS);
      expect(out.error).toBeInstanceOf(AppError);
      expect(out.error).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, headers: { 'retry-after': '1' } });
      expect((out.error as AppError).message).toBe(`Firestore state store unavailable during ${op} (${reason}); retry shortly`);
      // It kept trying until close to the deadline, not once.
      expect(fake.attempts - attempts).toBeGreaterThan(5);
      expect(out.elapsedMs).toBeGreaterThan(DEADLINE_MS / 2);
    }
    // Reads commit nothing: they still answer.
    expect(await store.get('k')).toBeUndefined();
  });

  it('a Firestore that never answers: every operation ends at the deadline with store_unavailable (no response)', async () => {
    const fake = new FakeFirestore();
    const silent = new Proxy(fake.asFirestore(), {
      get: (target, name) => (name === 'runTransaction' || name === 'getAll' ? () => new Promise(() => undefined)
        : name === 'collection' ? () => ({ doc: () => ({ get: () => new Promise(() => undefined) }), limit: () => ({ get: () => new Promise(() => undefined) }) })
          : Reflect.get(target, name)),
    });
    const store = firestoreStore({ collection: 'state', firestore: silent, clock: fakeClock });
    const operations: [string, () => Promise<unknown>][] = [
      ['get', () => store.get('k')], ['put', () => store.put('k', 'v')], ['delete', () => store.delete('k')], ['check', () => store.check()],
    ];
    for (const [op, run] of operations) {
      const out = await settleOnFakeTime(run);
      expect(out).toMatchObject({ settled: true, error: expect.objectContaining({ code: 'store_unavailable', status: 503, retryable: true }) });
      expect((out.error as AppError).message).toBe(`Firestore state store unavailable during ${op} (no response); retry shortly`);
      expect(out.elapsedMs).toBeGreaterThanOrEqual(DEADLINE_MS);
      expect(out.elapsedMs).toBeLessThanOrEqual(DEADLINE_MS + 100);
    }
  });

  it('the deadline is kept on a monotonic clock: the wall clock stepped back an hour mid-operation does not lengthen it', async () => {
    const fake = new FakeFirestore();
    let stepped = false;
    fake.commitFault = () => {
      stepped = true;
      return contended();
    };
    // The injected wall clock (expiry) steps back an hour after the first attempt, as NTP may.
    const clock = { now: () => Date.now() - (stepped ? 3_600_000 : 0) };
    const store = firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock });
    const out = await settleOnFakeTime(() => store.put('k', 'v'), 120_000);
    expect(out).toMatchObject({ settled: true, error: expect.objectContaining({ code: 'store_unavailable', status: 503 }) });
    expect(out.elapsedMs).toBeLessThanOrEqual(DEADLINE_MS);
    expect(out.elapsedMs).toBeGreaterThan(DEADLINE_MS / 2);
  });

  it('contention that clears is retried with short jittered waits, and the condition then decides', async () => {
    const { fake, store } = setup();
    let aborts = 3;
    fake.commitFault = () => (aborts-- > 0 ? contended() : undefined);
    const out = await settleOnFakeTime(() => store.put('k', 'v', { ifAbsent: true }));
    expect(out).toMatchObject({ settled: true, value: true });
    expect(fake.attempts).toBe(4);
    // 0.1-0.2 s, then 0.15-0.3 s, then 0.225-0.45 s; the library alone would wait 1 s, 1.5 s, 2.25 s (+-50%).
    expect(out.elapsedMs).toBeLessThan(1_000);
    expect(fake.backoffs).toEqual([]);
    expect(await store.put('k', 'w', { ifAbsent: true })).toBe(false);
  });

  it('a refusal that no retry can change (PERMISSION_DENIED) is thrown at once, as it is', async () => {
    const { fake, store } = setup();
    fake.commitFault = () => grpcError(7, 'Missing or insufficient permissions.');
    const out = await settleOnFakeTime(() => store.put('k', 'v'));
    expect(out.error).toMatchObject({ code: 7 });
    expect(out.error).not.toBeInstanceOf(AppError);
    expect(fake.attempts).toBe(1);
    expect(out.elapsedMs).toBeLessThan(100);
  });

  it('the library itself, given maxAttempts 1, runs a transaction once and hands back a retryable error at once', async () => {
    jest.useRealTimers();
    // The real client, no server needed: the function fails before any RPC (project id given).
    const db = new Firestore({ projectId: 'p' });
    let calls = 0;
    const started = performance.now();
    await expect(db.runTransaction(async () => {
      calls += 1;
      throw contended();
    }, { maxAttempts: 1 })).rejects.toMatchObject({ code: 10 });
    expect(calls).toBe(1);
    // Its backoff before a second attempt would be 0.5-1.5 s.
    expect(performance.now() - started).toBeLessThan(400);
    await db.terminate();
  });

  it('the client it makes bounds each RPC to 10 s and each call, its retries included, to 20 s, keeping the retry codes', () => {
    const client = new v1.FirestoreClient({ projectId: 'p', clientConfig: firestoreClientConfig() }) as unknown as {
      _defaults: Record<string, { timeout: number; retry: { retryCodes: number[]; backoffSettings: { totalTimeoutMillis: number; maxRpcTimeoutMillis: number } } }>;
    };
    for (const method of ['batchGetDocuments', 'beginTransaction', 'commit', 'rollback', 'runQuery']) {
      expect(client._defaults[method]).toMatchObject({ timeout: 10_000, retry: { backoffSettings: { totalTimeoutMillis: 20_000, maxRpcTimeoutMillis: 10_000 } } });
    }
    expect(client._defaults.commit!.retry.retryCodes.sort((a, b) => a - b)).toEqual([8, 14]);
    // Firestore hands its settings, clientConfig included, to that client (build/src/index.js).
    expect(() => new Firestore({ projectId: 'p', clientConfig: firestoreClientConfig() })).not.toThrow();
  });
});
