import type * as WorkerThreads from 'node:worker_threads';
import { compile, failure as failWith } from './testkit';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_TIMEOUT_MS, MAX_OUTPUT_DEPTH, MAX_SEQUENCE, MAX_STRING_CHARS, type TransformBudget, applyTransform } from './jsonata';
import { COMPILE_ALLOWANCE_MS, TransformWorker, WORKER_HEAP_MB } from './worker';
// The module object worker.ts reads `Worker` from (an ES namespace import would be a copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workerThreads = require('node:worker_threads') as typeof WorkerThreads;


const failure = (expr: string, budget?: TransformBudget, input: unknown = {}) => failWith(expr, input, budget);

const DISTINCT = '$distinct([1..100000])[0]'; // quadratic inside one built-in call: seconds
const REDOS = '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)'; // catastrophic backtracking: seconds, doubling per "a"
/** Not a timing test: the budget plus the worker's grace fit many times, the seconds these used to take do not. */
const BOUND_MS = 10 * DEFAULT_TIMEOUT_MS;

beforeAll(async () => {
  await expect(applyTransform(compile('1'), {})).resolves.toBe(1); // the worker is up
});

describe('hard time limit', () => {
  test.each([
    ['one slow built-in call', DISTINCT],
    ['a regular expression that backtracks catastrophically', REDOS],
  ])('stops %s at the budget with transform_timeout', async (_what, expr) => {
    // The worker the previous case terminated is started again first: its start-up (a few hundred
    // ms on a loaded machine) is not what the bound is about.
    await expect(applyTransform(compile('1'), {})).resolves.toBe(1);
    const started = performance.now();
    const err = await failure(expr);
    expect(err).toMatchObject({ code: 'transform_timeout', message: `transform exceeded its ${DEFAULT_TIMEOUT_MS} ms budget`, extra: { limit: 'timeoutMs', value: DEFAULT_TIMEOUT_MS } });
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });

  test('takes the budget of the call', async () => {
    expect(await failure(REDOS, { timeoutMs: 30 })).toMatchObject({ code: 'transform_timeout', extra: { limit: 'timeoutMs', value: 30 } });
  });

  test('a stopped application leaves the transforms usable', async () => {
    const t = compile('{ "title": $uppercase(data.title), "n": $count(data.tags) }');
    expect((await failure(DISTINCT)).code).toBe('transform_timeout');
    await expect(applyTransform(t, { data: { title: 'open', tags: ['a', 'b'] } })).resolves.toEqual({ title: 'OPEN', n: 2 });
    expect((await failure(REDOS)).code).toBe('transform_timeout');
    await expect(applyTransform(t, { data: { title: 'x', tags: [] } })).resolves.toEqual({ title: 'X', n: 0 });
  });

  test('applications waiting behind a stopped one are not affected', async () => {
    const quick = compile('$sum(data.values)');
    const results = await Promise.allSettled([
      applyTransform(compile(REDOS), {}),
      applyTransform(quick, { data: { values: [1, 2, 3] } }),
      applyTransform(compile(DISTINCT), {}),
      applyTransform(quick, { data: { values: [4] } }),
    ]);
    expect(results).toMatchObject([
      { status: 'rejected', reason: { code: 'transform_timeout' } },
      { status: 'fulfilled', value: 6 },
      { status: 'rejected', reason: { code: 'transform_timeout' } },
      { status: 'fulfilled', value: 4 },
    ]);
  });
});

describe('the worker', () => {
  test('returns plain values of the calling thread', async () => {
    const out = (await applyTransform(compile('{ "list": [1, { "b": data.x }], "none": null, "seq": data.items.id }'), { data: { x: 'y', items: [{ id: 1 }, { id: 2 }] } })) as Record<string, unknown>;
    expect(out).toStrictEqual({ list: [1, { b: 'y' }], none: null, seq: [1, 2] });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.list).toBeInstanceOf(Array);
    expect(JSON.stringify(out)).toBe('{"list":[1,{"b":"y"}],"none":null,"seq":[1,2]}');
  });

  test('has what built-ins need from Node', async () => {
    await expect(applyTransform(compile('[$base64encode("héllo"), $base64decode("aGk=")]'), {})).resolves.toEqual(['aOlsbG8=', 'hi']); // as before: Buffer, latin1
  });

  test('heap exhaustion costs the worker, not the process', async () => {
    // 100,000 ranges of 100,000 numbers, given the time to try.
    const err = await failure('$count($map([1..100000], function($v){ [1..100000] }))', { timeoutMs: 60_000 });
    expect(err).toMatchObject({ code: 'transform_too_large', extra: { limit: 'heap', value: WORKER_HEAP_MB } });
    await expect(applyTransform(compile('$count([1..10])'), {})).resolves.toBe(10);
  });

  test('takes inputs that are data, not functions', async () => {
    const err = await failure('x', undefined, { x: () => 1 });
    expect(err.code).toBe('transform_failed');
  });
});

describe('the limits of the worker, as configured (not timed)', () => {
  const constants = { maxSequence: MAX_SEQUENCE, maxStringChars: MAX_STRING_CHARS, maxOutputDepth: MAX_OUTPUT_DEPTH };
  const budget = (timeoutMs: number) => ({ timeoutMs, maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES, maxDepth: DEFAULT_MAX_DEPTH, timestamp: 0 });

  /** Runs `use` with a fresh TransformWorker, recording every thread it starts; stops them after. */
  async function withWorker(
    use: (w: TransformWorker, started: WorkerThreads.Worker[], options: (WorkerThreads.WorkerOptions | undefined)[]) => Promise<void>,
  ): Promise<void> {
    const Real = workerThreads.Worker;
    const started: WorkerThreads.Worker[] = [];
    const options: (WorkerThreads.WorkerOptions | undefined)[] = [];
    const spy = jest.spyOn(workerThreads, 'Worker').mockImplementation((code, opts) => {
      const w = new Real(code, opts);
      started.push(w);
      options.push(opts);
      return w;
    });
    try {
      await use(new TransformWorker(constants), started, options);
    } finally {
      spy.mockRestore();
      await Promise.all(started.map((w) => w.terminate()));
    }
  }

  test('the hard limit is armed 20 ms after the budget of each application', async () => {
    await withWorker(async (w) => {
      const timers = jest.spyOn(global, 'setTimeout');
      try {
        await expect(w.apply('1', {}, budget(30))).resolves.toEqual({ ok: true, json: '1' });
        await expect(w.apply('2', {}, budget(DEFAULT_TIMEOUT_MS))).resolves.toEqual({ ok: true, json: '2' });
        expect(timers.mock.calls.map((c) => c[1])).toEqual(expect.arrayContaining([50, DEFAULT_TIMEOUT_MS + 20]));
      } finally {
        timers.mockRestore();
      }
    });
  });

  test('compiling a new text is not counted in the budget: a slow parse neither times out nor costs the worker its compiled expressions', async () => {
    // jsonata's parser is quadratic on this text (within MAX_TRANSFORM_LENGTH): tens to hundreds
    // of ms, several times the 10 ms budget and its 20 ms grace, which used to count it.
    const slowToParse = `a${'.*'.repeat(4095)}`;
    await withWorker(async (w, started) => {
      const timers = jest.spyOn(global, 'setTimeout');
      try {
        await expect(w.apply(slowToParse, { a: 1 }, budget(10))).resolves.toMatchObject({ ok: true });
        expect(timers.mock.calls.map((c) => c[1])).toEqual(expect.arrayContaining([COMPILE_ALLOWANCE_MS + 30, 30]));
      } finally {
        timers.mockRestore();
      }
      // Compiled once, kept: the next application of it starts its budget at once.
      await expect(w.apply(slowToParse, { a: 2 }, budget(10))).resolves.toMatchObject({ ok: true });
      expect(started).toHaveLength(1);
    });
  });

  test('the worker runs with a 128 MB old-generation heap', async () => {
    await withWorker(async (w, started) => {
      await expect(w.apply('1', {}, budget(10_000))).resolves.toEqual({ ok: true, json: '1' });
      expect(started).toHaveLength(1);
      expect(started[0]!.resourceLimits).toMatchObject({ maxOldGenerationSizeMb: 128 });
    });
  });

  test('the worker gets no environment and no Node flags: tenant expressions run beside no secrets', async () => {
    // Not observable from JSONata itself; a defence should its sandboxing ever fail.
    await withWorker(async (w, _started, options) => {
      await expect(w.apply('1', {}, budget(10_000))).resolves.toEqual({ ok: true, json: '1' });
      expect(options).toEqual([expect.objectContaining({ env: {}, execArgv: [] })]);
    });
  });

  test('a stopped application costs its thread: the next one runs in a new worker, a finished one does not', async () => {
    await withWorker(async (w, started) => {
      await expect(w.apply('1', {}, budget(10_000))).resolves.toEqual({ ok: true, json: '1' });
      await expect(w.apply('2', {}, budget(10_000))).resolves.toEqual({ ok: true, json: '2' });
      expect(started).toHaveLength(1);
      await expect(w.apply(REDOS, {}, budget(30))).resolves.toEqual({ ok: false, lost: 'timeout' });
      await expect(w.apply('3', {}, budget(10_000))).resolves.toEqual({ ok: true, json: '3' });
      expect(started).toHaveLength(2);
    });
  });
});
