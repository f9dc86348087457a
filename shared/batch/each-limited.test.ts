import { eachLimited } from './each-limited';

test('runs every input with at most `concurrency` in flight and keeps the input order', async () => {
  let inFlight = 0;
  let most = 0;
  const out = await eachLimited([5, 1, 4, 2, 3, 0], 2, async (n) => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, n));
    inFlight--;
    return n * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30, 0]);
  expect(most).toBe(2);
  expect(await eachLimited([], 4, async () => 1)).toEqual([]);
});

test('after a failure no further input starts; the calls in flight settle before the first failure is thrown', async () => {
  const started: number[] = [];
  const settled: number[] = [];
  const run = eachLimited([0, 1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    started.push(n);
    await new Promise((r) => setImmediate(r));
    settled.push(n);
    if (n === 0 || n === 1) throw new Error(`failed ${n}`);
    return n;
  });
  await expect(run).rejects.toThrow('failed 0');
  expect(started).toEqual([0, 1, 2]);
  expect(settled).toEqual([0, 1, 2]);
});
