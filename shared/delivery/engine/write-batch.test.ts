import { fixedClock } from '../../ports';
import { MAX_BATCH_WRITES, type StateStore, type Write } from '../../ports/store';
import { memoryStore } from '../../store/memory';
import { batchedWrites } from './write-batch';

/**
 * The writes of concurrent attempts go to the store together. A real memory store, its putAll
 * wrapped only to record what each call was handed (and, where a test says so, to fail).
 */
function recorded(failing = false) {
  const store = memoryStore(fixedClock(Date.parse('2026-01-01T00:00:00Z')));
  const calls: string[][] = [];
  const putAll = store.putAll.bind(store);
  const wrapped: StateStore = {
    ...store,
    putAll: async (writes) => {
      calls.push(writes.map((w) => w.key));
      if (failing && writes.length > 1) throw new Error('store unavailable (test)');
      return putAll(writes);
    },
  };
  return { store, calls, putAll: batchedWrites(wrapped) };
}

const put = (key: string, opts: Write['opts'] = {}): Write => ({ key, value: `v:${key}`, opts });

test('writes handed in during one turn are one putAll, in the order they came; each caller hears true', async () => {
  const r = recorded();
  const answers = await Promise.all([r.putAll([put('a'), put('b')]), r.putAll([put('c')]), r.putAll([put('d'), { key: 'e', delete: true }])]);
  expect(answers).toEqual([true, true, true]);
  expect(r.calls).toEqual([['a', 'b', 'c', 'd', 'e']]);
  expect((await r.store.get('c'))?.value).toBe('v:c');
  // The next turn is the next batch, which may write the keys of the one before again.
  expect(await Promise.all([r.putAll([put('f')]), r.putAll([put('a')])])).toEqual([true, true]);
  expect(r.calls).toEqual([['a', 'b', 'c', 'd', 'e'], ['f', 'a']]);
});

test('a refused batch is tried again caller by caller: only the caller whose condition fails hears false', async () => {
  const r = recorded();
  await r.store.put('held', 'x');
  const answers = await Promise.all([r.putAll([put('a')]), r.putAll([put('held', { ifAbsent: true })]), r.putAll([put('c')])]);
  expect(answers).toEqual([true, false, true]);
  expect(r.calls).toEqual([['a', 'held', 'c'], ['a'], ['held'], ['c']]);
  expect((await r.store.get('held'))?.value).toBe('x');
  expect((await r.store.get('c'))?.value).toBe('v:c');
});

test('a batch that fails is tried again caller by caller, each caller hearing its own answer', async () => {
  const r = recorded(true);
  const answers = await Promise.all([r.putAll([put('a')]), r.putAll([put('b')])]);
  expect(answers).toEqual([true, true]);
  expect(r.calls).toEqual([['a', 'b'], ['a'], ['b']]);
});

test('a key already in the batch, or more keys than a batch holds, start the next batch', async () => {
  const r = recorded();
  const many = Array.from({ length: MAX_BATCH_WRITES - 1 }, (_, i) => put(`k${i}`));
  const answers = await Promise.all([r.putAll([put('a')]), r.putAll([put('a')]), r.putAll(many), r.putAll([put('x'), put('y')])]);
  expect(answers).toEqual([true, true, true, true]);
  expect(r.calls).toEqual([['a'], ['a', ...many.map((w) => w.key)], ['x', 'y']]);
});
