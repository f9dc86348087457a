import type { Firestore } from '@google-cloud/firestore';
import { AppError } from '../../shared/errors';
import { firestoreStore } from './store-firestore';
import { fakeClock, fakeTime, settleOnFakeTime } from './store-firestore-time.testkit';

/**
 * Firestore out of reach. No Firestore can run here, and the real client pointed at a closed port
 * takes about 47 s of its own retries to give up, so the SDK is mocked: every call rejects with
 * the error that client gave then (gRPC code 14, the socket error in the text), or with a
 * refusal from the service (PERMISSION_DENIED), which must stay as it is. A write is a
 * transaction, tried again until the store's deadline: jest's fake timers let that time pass.
 */
const unreachable = () => Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: '), { code: 14 });
const noResponse = () => Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded after 59.999s'), { code: 4 });
const denied = () => Object.assign(new Error('7 PERMISSION_DENIED: Missing or insufficient permissions.'), { code: 7 });

/** A Firestore whose every call the store makes rejects with `error()`. */
function failingFirestore(error: () => Error): Firestore {
  const fail = async () => {
    throw error();
  };
  const query: Record<string, unknown> = { get: fail };
  for (const m of ['orderBy', 'where', 'startAfter', 'limit']) query[m] = () => query;
  const collection = { ...query, doc: () => ({ get: fail }) };
  return { collection: () => collection, runTransaction: fail, getAll: fail } as unknown as Firestore;
}

const store = (error: () => Error) => firestoreStore({ collection: 'state', firestore: failingFirestore(error), clock: fakeClock });
const operations: [string, (s: ReturnType<typeof store>) => Promise<unknown>][] = [
  ['get', (s) => s.get('k')],
  ['put', (s) => s.put('k', 'v', { ifAbsent: true })],
  ['putAll', (s) => s.putAll([{ key: 'k', value: 'v' }])],
  ['list', (s) => s.list('')],
  ['delete', (s) => s.delete('k')],
  ['check', (s) => s.check()],
];

beforeEach(() => fakeTime());
afterEach(() => jest.useRealTimers());

describe('firestoreStore with Firestore unreachable (SDK mocked: no emulator can run here)', () => {
  it.each(operations)('%s rejects with a retryable 503 store_unavailable that names no address', async (op, run) => {
    for (const error of [unreachable, noResponse]) {
      const { error: e } = await settleOnFakeTime(() => run(store(error)));
      expect(e).toBeInstanceOf(AppError);
      expect(e).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, headers: { 'retry-after': '1' } });
      expect((e as AppError).message).toContain(`during ${op}`);
      expect((e as AppError).message).not.toContain('127.0.0.1');
    }
  });

  it('keeps a refusal by the service (PERMISSION_DENIED) as it is', async () => {
    await expect(store(denied).get('k')).rejects.toMatchObject({ code: 7 });
  });

  it('a missing database, or one in Datastore mode, fails every operation: never "absent" or an empty page', async () => {
    // What the service answers for the whole database, where a missing document is only a snapshot without data.
    const noDatabase = () => Object.assign(new Error('5 NOT_FOUND: The database (default) does not exist for project test-project'), { code: 5 });
    const datastoreMode = () => Object.assign(new Error('9 FAILED_PRECONDITION: The Cloud Firestore API is not available for Firestore in Datastore Mode database'), { code: 9 });
    for (const error of [noDatabase, datastoreMode]) {
      for (const [, run] of operations) expect((await settleOnFakeTime(() => run(store(error)))).error).toMatchObject({ code: error().code });
    }
  });
});
