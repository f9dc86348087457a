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
