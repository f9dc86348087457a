import { testDeps } from '../../../test/deps';
import { memoryObjects } from '../../objects/memory';
import { archiveFlushJob } from './archive-flush';

const T0 = Date.parse('2026-05-01T09:00:00Z');
const ctx = { schedule: 'flush', tenant: 'default', due: T0, deadline: T0 + 45_000 };

test('a destination whose flush rejects with undefined fails the job (it was reported as flushed nothing, ok)', async () => {
  const { deps, clock } = testDeps({ destinations: { lake: { type: 'archive', bucket: 'lake' }, pond: { type: 'archive', bucket: 'pond' } } }, {}, T0);
  deps.objects = memoryObjects(clock);
  const put = deps.store.put.bind(deps.store);
  // The lake's lease write fails with a non-Error rejection, as a store client may produce.
  deps.store.put = (key, value, opts) => (key.includes('lake') ? Promise.reject(undefined) : put(key, value, opts));
  const outcome = await archiveFlushJob.run({ type: 'archive-flush' }, ctx, deps).then(
    (result) => ({ resolved: result }),
    (e: unknown) => ({ rejected: e }),
  );
  expect(outcome).toEqual({ rejected: undefined });
});

test('every destination is flushed even when the first one fails', async () => {
  const { deps, clock } = testDeps({ destinations: { lake: { type: 'archive', bucket: 'lake' }, pond: { type: 'archive', bucket: 'pond' } } }, {}, T0);
  deps.objects = memoryObjects(clock);
  const put = deps.store.put.bind(deps.store);
  const leases: string[] = [];
  deps.store.put = (key, value, opts) => {
    leases.push(key);
    return key.includes('lake') ? Promise.reject(new Error('store down (test)')) : put(key, value, opts);
  };
  await expect(archiveFlushJob.run({ type: 'archive-flush' }, ctx, deps)).rejects.toThrow('store down (test)');
  expect(leases.some((k) => k.includes('pond'))).toBe(true);
});
