import { pump } from './pump';

/** A generator that counts how far it was pulled, and notes whether it was closed early. */
function numbers(n: number, failAt?: number) {
  const state = { pulled: 0, closed: false };
  async function* gen(): AsyncGenerator<number, string> {
    try {
      for (let i = 0; i < n; i += 1) {
        if (i === failAt) throw new Error(`bad item ${i}`);
        state.pulled += 1;
        yield i;
      }
      return 'done';
    } finally {
      state.closed = true;
    }
  }
  return { gen: gen(), state };
}

/** Publishes that complete only when the test releases them. */
function gate() {
  const waiting: (() => void)[] = [];
  let inflight = 0;
  let most = 0;
  const published: number[] = [];
  const publish = (i: number) => new Promise<void>((resolve) => {
    inflight += 1;
    most = Math.max(most, inflight);
    waiting.push(() => {
      inflight -= 1;
      published.push(i);
      resolve();
    });
  });
  const releaseAll = async () => {
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { publish, releaseAll, get most() { return most; }, published, get waiting() { return waiting.length; } };
}

describe('pump (bounded publishing)', () => {
  test('never more than `limit` publishes in flight, and the parser is pulled only as slots free up', async () => {
    const { gen, state } = numbers(100);
    const g = gate();
    const run = pump(gen, g.publish, 16);
    await new Promise((r) => setImmediate(r));
    expect(g.waiting).toBe(16);
    expect(state.pulled).toBe(16);
    await g.releaseAll();
    await expect(run).resolves.toEqual({ ok: true, value: 'done', published: 100 });
    expect(g.most).toBe(16);
    expect(g.published.sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
  });

  test('a publish failure stops pulling, waits for what is in flight, closes the parser and throws', async () => {
    const { gen, state } = numbers(100);
    let calls = 0;
    const settled: number[] = [];
    const publish = async (i: number) => {
      calls += 1;
      await new Promise((r) => setImmediate(r));
      if (i === 5) throw new Error('bus down');
      settled.push(i);
    };
    await expect(pump(gen, publish, 4)).rejects.toThrow('bus down');
    expect(state.pulled).toBeLessThan(100);
    expect(state.closed).toBe(true);
    // Every publish started was finished before pump returned.
    expect(settled.length).toBe(calls - 1);
  });

  test('a parser failure is a result: what was published before it is counted', async () => {
    const { gen } = numbers(10, 7);
    const out = await pump(gen, async () => undefined, 3);
    expect(out).toMatchObject({ ok: false, published: 7 });
    expect((out as { error: Error }).error.message).toBe('bad item 7');
  });
});
