import { compile, failure as failWith } from './testkit';
import { DEFAULT_TIMEOUT_MS, type TransformBudget, applyTransform } from './jsonata';
import { WORKER_HEAP_MB } from './worker';


const failure = (expr: string, budget?: TransformBudget, input: unknown = {}) => failWith(expr, input, budget);

const DISTINCT = '$distinct([1..100000])[0]'; // quadratic inside one built-in call: seconds
const REDOS = '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)'; // catastrophic backtracking: seconds, doubling per "a"
/** Not a timing test: the budget plus the worker's grace and restart fit many times, the seconds these used to take do not. */
const BOUND_MS = 10 * DEFAULT_TIMEOUT_MS;

beforeAll(async () => {
  await expect(applyTransform(compile('1'), {})).resolves.toBe(1); // the worker is up
});

describe('hard time limit', () => {
  test.each([
    ['one slow built-in call', DISTINCT],
    ['a regular expression that backtracks catastrophically', REDOS],
  ])('stops %s at the budget with transform_timeout', async (_what, expr) => {
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
