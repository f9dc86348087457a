import { compile, failure as failWith } from './testkit';
import { DEFAULT_MAX_OUTPUT_BYTES, MAX_OUTPUT_DEPTH, MAX_SEQUENCE, MAX_TRANSFORM_LENGTH, type TransformBudget, applyTransform, compileTransform } from './jsonata';

const event = {
  specversion: '1.0',
  id: 'e-1',
  source: 'https://scanner.example',
  type: 'secorch.finding.created',
  data: { finding: { title: 'Open bucket', severity: 'high', tags: ['s3', 'public'] } },
};


const failure = (expr: string, budget?: TransformBudget, input: unknown = event) => failWith(expr, input, budget);

/** A clock that advances 1 ms per reading: time budgets without wall-clock flakiness. */
const ticking = (): (() => number) => {
  let t = 0;
  return () => t++;
};

const LOOP = '($f := function($x){ $f($x) }; $f(1))';
const RECURSE = '($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(N))';

describe('compileTransform', () => {
  test('compiles once, applies to many events', async () => {
    const t = compile('{ "text": data.finding.title & " (" & $uppercase(data.finding.severity) & ")", "tags": data.finding.tags }');
    await expect(applyTransform(t, event)).resolves.toEqual({ text: 'Open bucket (HIGH)', tags: ['s3', 'public'] });
    await expect(applyTransform(t, { data: { finding: { title: 'x', severity: 'low', tags: [] } } })).resolves.toEqual({ text: 'x (LOW)', tags: [] });
  });

  test('returns plain JSON: functions dropped as JSON.stringify does, nothing shared with the input', async () => {
    const out = (await applyTransform(compile('{ "f": function($x){ $x }, "g": $string, "tags": data.finding.tags, "n": [1..3] }'), event)) as Record<string, unknown>;
    expect(out).toEqual({ tags: ['s3', 'public'], n: [1, 2, 3] });
    expect(out.tags).not.toBe(event.data.finding.tags);
    expect(Object.keys(out.n as object)).toEqual(['0', '1', '2']);
    await expect(applyTransform(compile('nothing.here'), event)).resolves.toBeUndefined();
  });

  test('rejects syntax errors with their position, and overlong expressions', () => {
    expect(compileTransform('{ "a": data.x ')).toEqual({ ok: false, error: expect.stringMatching(/^S0\d{3} at position \d+: /) });
    expect(compileTransform(`"${'x'.repeat(MAX_TRANSFORM_LENGTH - 2)}"`).ok).toBe(true);
    expect(compileTransform(`"${'x'.repeat(MAX_TRANSFORM_LENGTH - 1)}"`)).toEqual({ ok: false, error: 'transform longer than 8192 characters' });
  });

  test('runtime errors are transform_failed', async () => {
    const err = await failure('$number(data.finding.title)');
    expect(err.code).toBe('transform_failed');
    expect(err.message).toMatch(/^transform failed: D3030 at position \d+: Unable to cast value to a number/);
  });
});

describe('time budget', () => {
  test('infinite tail recursion stops with transform_timeout', async () => {
    const started = performance.now();
    const err = await failure(LOOP);
    expect(err).toMatchObject({ code: 'transform_timeout', extra: { limit: 'timeoutMs', value: 100 } });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test('is checked at every step, also inside $eval and higher-order functions', async () => {
    expect((await failure(`$eval('${LOOP}')`, { now: ticking(), timeoutMs: 50 })).code).toBe('transform_timeout');
    expect((await failure('$map([1..50000], function($v){ $v * 2 })', { now: ticking(), timeoutMs: 1000 })).code).toBe('transform_timeout');
    await expect(applyTransform(compile('$sum($map([1..10], function($v){ $v * 2 }))'), event, { now: ticking(), timeoutMs: 1000 })).resolves.toBe(110);
  });

  test('the budget is the time allowed: a step at the deadline still runs, one past it does not', async () => {
    // The ticking clock reads 0 when the budget starts and 1 at the literal's only step.
    await expect(applyTransform(compile('1'), event, { timeoutMs: 1, now: ticking() })).resolves.toBe(1);
    expect(await failure('1', { timeoutMs: 0, now: ticking() })).toMatchObject({ code: 'transform_timeout', extra: { limit: 'timeoutMs', value: 0 } });
  });

  test('budgets belong to each call: concurrent applications of one transform do not mix', async () => {
    const t = compile('$count($map([1..200], function($v){ $v }))');
    const [tight, loose] = await Promise.allSettled([
      applyTransform(t, event, { now: ticking(), timeoutMs: 100 }),
      applyTransform(t, event, { now: ticking(), timeoutMs: 100_000 }),
    ]);
    expect(tight).toMatchObject({ status: 'rejected', reason: { code: 'transform_timeout' } });
    expect(loose).toEqual({ status: 'fulfilled', value: 200 });
  });
});

describe('depth budget', () => {
  test('deep non-tail recursion stops with transform_too_large', async () => {
    // A generous time budget: on a loaded machine the default 100 ms could run out first.
    const err = await failure(RECURSE.replace('N', '100000'), { timeoutMs: 30_000 });
    expect(err).toMatchObject({ code: 'transform_too_large', extra: { limit: 'maxDepth', value: 500 } });
  });

  test('shallow recursion passes, and the limit is adjustable', async () => {
    await expect(applyTransform(compile(RECURSE.replace('N', '50')), event)).resolves.toBe(50);
    expect((await failure(RECURSE.replace('N', '50'), { maxDepth: 100, timeoutMs: 30_000 })).code).toBe('transform_too_large');
  });

  test('maxDepth is the number of nested steps allowed: a literal takes one', async () => {
    await expect(applyTransform(compile('1'), event, { maxDepth: 1, now: ticking() })).resolves.toBe(1);
    expect(await failure('1', { maxDepth: 0, now: ticking() })).toMatchObject({ code: 'transform_too_large', extra: { limit: 'maxDepth', value: 0 } });
  });
});

describe('size budgets', () => {
  test('output larger than maxOutputBytes of JSON is transform_too_large', async () => {
    // Time out of reach: a loaded machine must not turn the size outcome into a timeout.
    const slack = { timeoutMs: 10_000 };
    const big = { text: 'x'.repeat(DEFAULT_MAX_OUTPUT_BYTES) }; // 2 quotes over the limit as JSON
    const err = await failure('text', slack, big);
    expect(err).toMatchObject({ code: 'transform_too_large', extra: { limit: 'maxOutputBytes', value: DEFAULT_MAX_OUTPUT_BYTES } });
    await expect(applyTransform(compile('$substring(text, 2)'), big, slack)).resolves.toHaveLength(DEFAULT_MAX_OUTPUT_BYTES - 2);
    // {"id":"e-1"} is 12 characters of JSON.
    await expect(applyTransform(compile('{ "id": id }'), event, { maxOutputBytes: 12 })).resolves.toEqual({ id: 'e-1' });
    expect((await failure('{ "id": id }', { maxOutputBytes: 11 })).code).toBe('transform_too_large');
  });

  test('the default output budget is 256 KiB of JSON', async () => {
    const slack = { timeoutMs: 10_000 };
    const text = (n: number) => ({ text: 'x'.repeat(n) });
    await expect(applyTransform(compile('text'), text(256 * 1024 - 2), slack)).resolves.toHaveLength(256 * 1024 - 2);
    expect(await failure('text', slack, text(256 * 1024 - 1))).toMatchObject({ code: 'transform_too_large', extra: { limit: 'maxOutputBytes', value: 256 * 1024 } });
  });

  test('the output budget counts bytes of UTF-8, as the output is sent, not characters', async () => {
    const slack = { timeoutMs: 10_000 };
    // 200,002 characters of JSON, 600,002 bytes.
    expect(await failure('$pad("", 200000, "€")', slack)).toMatchObject({ code: 'transform_too_large', extra: { limit: 'maxOutputBytes', value: DEFAULT_MAX_OUTPUT_BYTES } });
    // ASCII: as many bytes as characters, up to the budget.
    await expect(applyTransform(compile(`$pad("", ${DEFAULT_MAX_OUTPUT_BYTES - 2}, "x")`), event, slack)).resolves.toHaveLength(DEFAULT_MAX_OUTPUT_BYTES - 2);
    // "a€€€" is 12 bytes of JSON, "€€€€" 14 (6 characters), "😀" 6 (4 characters).
    await expect(applyTransform(compile('"a€€€"'), event, { maxOutputBytes: 12 })).resolves.toBe('a€€€');
    expect(await failure('"€€€€"', { maxOutputBytes: 13 })).toMatchObject({ code: 'transform_too_large', extra: { limit: 'maxOutputBytes', value: 13 } });
    await expect(applyTransform(compile('"😀"'), event, { maxOutputBytes: 6 })).resolves.toBe('😀');
    expect((await failure('"😀"', { maxOutputBytes: 5 })).code).toBe('transform_too_large');
    // The same in the calling thread (a clock given).
    expect((await failure('"€€€€"', { maxOutputBytes: 13, now: ticking(), timeoutMs: 1000 })).code).toBe('transform_too_large');
  });

  test('$pad may build exactly the output budget, not one character more', async () => {
    const slack = { timeoutMs: 10_000 };
    await expect(applyTransform(compile(`$length($pad("", ${DEFAULT_MAX_OUTPUT_BYTES}))`), event, slack)).resolves.toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(await failure(`$length($pad("", ${DEFAULT_MAX_OUTPUT_BYTES + 1}))`, slack)).toMatchObject({ code: 'transform_too_large', extra: { limit: 'stringLength' } });
  });

  test('$pad with a long padding string is refused before jsonata repeats it once per character of width', async () => {
    const slack = { timeoutMs: 10_000 };
    // 262,144 copies of 2,040 characters: 534 million characters on the way to a 262,144-character result.
    const err = await failure(`$length($pad("", ${DEFAULT_MAX_OUTPUT_BYTES}, $pad("", 2040, "x")))`, slack);
    expect(err).toMatchObject({ code: 'transform_too_large', extra: { limit: 'stringLength' } });
    await expect(applyTransform(compile('$pad("a", 7, "-=")'), event)).resolves.toBe('a-=-=-=');
  });

  test('an output budget above the string cap raises the string cap with it', async () => {
    // 4.4 million characters joined: over the 4 MiB intermediate-string cap, within an 8 MiB output budget.
    const parts = { parts: Array.from({ length: 1100 }, () => 'x'.repeat(4000)) };
    const joined = 1100 * 4000 + 1099;
    await expect(applyTransform(compile('$length($join(parts, "-"))'), parts, { timeoutMs: 10_000, maxOutputBytes: 8 * 1024 * 1024 })).resolves.toBe(joined);
  });

  test('huge ranges fail before allocating', async () => {
    // A worker an earlier test terminated starts again first, outside the bound (its start-up
    // takes a few hundred ms on a loaded machine).
    await expect(applyTransform(compile('1'), event)).resolves.toBe(1);
    const started = performance.now();
    const err = await failure('[1..10000000]');
    expect(err).toMatchObject({ code: 'transform_too_large', extra: { limit: 'sequence', value: MAX_SEQUENCE } });
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(applyTransform(compile('$count([1..1000])'), event)).resolves.toBe(1000);
  });

  test('runaway strings stop before they exhaust the heap', async () => {
    // A time budget out of reach: under a loaded machine the 100 ms default could stop these
    // first, and this test is about the size limit (the 2 s bound below still asserts it is quick).
    const slack = { timeoutMs: 10_000 };
    // Doubling reaches 2^28 characters in 28 cheap steps; $length on it used to abort the process.
    const doubling = await failure('$length($reduce([1..28], function($a, $b){ $a & $a }, "x"))', slack);
    expect(doubling).toMatchObject({ code: 'transform_too_large', extra: { limit: 'stringLength' } });
    // Built-ins that build their result in one call are checked before they run.
    const pad = await failure('$length($pad("", 400000000))');
    expect(pad).toMatchObject({ code: 'transform_too_large', extra: { limit: 'stringLength', value: DEFAULT_MAX_OUTPUT_BYTES } });
    const started = performance.now();
    // One object shared at every level: 2^26 leaves once serialised.
    const dag = await failure('$length($string($reduce([1..26], function($a, $b){ { "l": $a, "r": $a } }, 1)))', slack);
    expect(dag).toMatchObject({ code: 'transform_too_large', extra: { limit: 'stringLength' } });
    expect(performance.now() - started).toBeLessThan(2000);
    const parts = { parts: Array.from({ length: 1100 }, () => 'x'.repeat(4000)) }; // 4.4 million characters joined
    const join = await failure('$length($join(parts, "-"))', slack, parts);
    expect(join).toMatchObject({ code: 'transform_too_large', extra: { limit: 'stringLength' } });
    await expect(applyTransform(compile('$string($reduce([1..3], function($a, $b){ { "l": $a } }, 1))'), event)).resolves.toBe('{"l":{"l":{"l":1}}}');
    await expect(applyTransform(compile('$join(data.finding.tags, ", ")'), event)).resolves.toBe('s3, public');
    await expect(applyTransform(compile('$length($pad("ab", -5, "-"))'), event)).resolves.toBe(5);
    await expect(applyTransform(compile('$pad(id, 6, "#")'), event)).resolves.toBe('e-1###');
  });
});

describe('the output is JSON', () => {
  test('a number JSON cannot write (Infinity, NaN) fails the transform instead of arriving as null', async () => {
    // jsonata refuses these only where they are used again (`1/0 + 1`, `$string(1/0)`), not in the result.
    for (const expr of ['1 / 0', '{ "ratio": data.finding.tags[0] = "s3" ? 1 / 0 : 0 }', '[1, -1 / 0]', '{ "nan": 0 / 0 }']) {
      const err = await failure(expr);
      expect([expr, err.code, err.message]).toEqual([expr, 'transform_failed', expect.stringMatching(/^transform failed: the output holds (-?Infinity|NaN), which JSON cannot represent$/)]);
    }
    await expect(applyTransform(compile('{ "ratio": 1 / 4, "zero": -0 }'), event)).resolves.toEqual({ ratio: 0.25, zero: 0 });
  });

  test(`output nested deeper than ${MAX_OUTPUT_DEPTH} levels is transform_too_large, however deep the worker's stack could serialise it`, async () => {
    const slack = { timeoutMs: 10_000 };
    // `{}` wrapped n times: n + 1 levels of objects.
    const nested = (n: number) => `$reduce([1..${n}], function($a, $b){ { "a": $a } }, {})`;
    let depth = 0;
    for (let v = await applyTransform(compile(nested(MAX_OUTPUT_DEPTH - 1)), event, slack); typeof v === 'object' && v !== null; v = (v as { a?: unknown }).a) depth++;
    expect(depth).toBe(MAX_OUTPUT_DEPTH);
    for (const n of [MAX_OUTPUT_DEPTH, 6000]) {
      // 6,000 levels: within the worker's 4 MB stack, past the 1 MB of the thread that builds the request.
      expect(await failure(nested(n), slack)).toMatchObject({ code: 'transform_too_large', extra: { limit: 'outputDepth', value: MAX_OUTPUT_DEPTH } });
    }
  });
});
