import { fixedClock } from '../ports/clock';
import { compile, failure as failWith } from './testkit';
import { MAX_SEQUENCE, MAX_STRING_CHARS, type TransformBudget, applyTransform } from './jsonata';

/**
 * What one tenant's expression can do to the worker every tenant's transforms share. These run in
 * the real worker, one application after another, as deliveries of different tenants would.
 */

const failure = (expr: string, input: unknown = {}, budget?: TransformBudget) => failWith(expr, input, budget);
const apply = (expr: string, input: unknown = {}, budget?: TransformBudget) => applyTransform(compile(expr), input, budget);
/** Time out of reach: these are about what the expression may do, not how fast. */
const slack = { timeoutMs: 10_000 };

/** A lambda's own fields (its evaluation environment among them) copied onto an object, marker deleted. */
const LAMBDA_FIELDS = '$lookup({} ~> |$|function($x){$x}, "_jsonata_lambda"|, "environment")';

beforeAll(async () => {
  await expect(apply('1')).resolves.toBe(1); // the worker is up
});

describe("jsonata's internals stay out of reach", () => {
  test("the transform operator's update cannot copy a function's fields", async () => {
    // The environment's lookup read the budget binding; its bind replaced it, and with it every budget.
    const lookup = await failure(`($e := ${LAMBDA_FIELDS}; $l := $e.lookup; $l("secorch budget"))`);
    expect(lookup).toMatchObject({ code: 'transform_failed', message: expect.stringContaining('must be an object') });
    const bypass = await failure(`($e := ${LAMBDA_FIELDS}; $b := $e.bind; $b("secorch budget", nothing); $length($pad("", 1000000)))`);
    expect(bypass.code).toBe('transform_failed');
    expect((await failure('($i := ({} ~> |$|$uppercase, "_jsonata_function"|).implementation; $i("abc"))')).code).toBe('transform_failed');
    await expect(apply('{"a": 1} ~> |$|{"b": 2}, "a"|')).resolves.toEqual({ b: 2 });
  });

  test('$spread does not take a built-in function apart', async () => {
    const err = await failure('($i := $spread([$uppercase]).implementation; $i("abc"))');
    expect(err).toMatchObject({ code: 'transform_failed', message: expect.stringContaining('$spread') });
    await expect(apply('$spread([{"a": 1, "b": 2}, {"c": 3}])')).resolves.toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });
});

describe('one application leaves nothing behind for the next', () => {
  test("a redefined $clone cannot make the transform operator change jsonata's shared built-ins", async () => {
    // The operator copies its input with whatever $clone names, then writes the update into the copy.
    const err = await failure('($clone := function($x){ $uppercase }; {} ~> |$|$lowercase|; "tampered")');
    expect(err).toMatchObject({ code: 'transform_failed', message: expect.stringContaining('$clone') });
    await expect(apply('$uppercase("next tenant")')).resolves.toBe('NEXT TENANT');
    // As a lambda's parameter too.
    expect((await failure('(function($clone){ {} ~> |$|{"a": 1}| })(function($x){ $x })')).code).toBe('transform_failed');
    await expect(apply('(function($clone){ $clone })(5)')).resolves.toBe(5); // naming it is fine; the operator refuses it
  });

  test("another tenant's data does not reach an expression through a built-in it replaced", async () => {
    // Replaces $uppercase with a lambda that keeps its argument on $lowercase, to be read back later.
    const arm = `(
      $hook := function($s){ ( $clone := function($x){ $lowercase }; {} ~> |$|{"stash": $s}|; $s ) };
      $clone := function($x){ $uppercase };
      {} ~> |$|$hook|;
      "armed"
    )`;
    expect((await failure(arm)).code).toBe('transform_failed');
    await expect(apply('$uppercase(secret)', { secret: 'tenant-b-key' })).resolves.toBe('TENANT-B-KEY');
    await expect(apply('$lookup({} ~> |$|$lowercase, "_jsonata_function"|, "stash")')).rejects.toMatchObject({ code: 'transform_failed' });
  });

  test('variables bound by one application are unbound in the next, even of the same expression', async () => {
    const expr = '($exists($kept) ? "leaked" : ($kept := secret; "bound"))';
    await expect(apply(expr, { secret: 'a' })).resolves.toBe('bound');
    await expect(apply(expr, { secret: 'b' })).resolves.toBe('bound');
  });
});

describe('built-ins that build their result in one call', () => {
  test('date-time pictures are held to the string cap before jsonata pads a component to its width', async () => {
    // `[Y,200000000]` padded the year to 200 million digits in one call; with non-ASCII digits
    // jsonata then split it into an array, and that aborted the whole process.
    const over = MAX_STRING_CHARS + 1;
    for (const expr of [`$fromMillis(0, "[Y,${over}]")`, `$now("[Y,${over}]")`, `$fromMillis(0, "[Y,1-2][M,${over}-*]")`]) {
      expect(await failure(expr, {}, slack)).toMatchObject({ code: 'transform_too_large', message: expect.stringMatching(/^\$(fromMillis|now) would build more than/), extra: { limit: 'stringLength' } });
    }
    await expect(apply('$fromMillis(0, "[Y,6]-[M01]-[D01] [[x]]")')).resolves.toBe('001970-01-01 [x]');
    await expect(apply('$fromMillis(86400000)')).resolves.toBe('1970-01-02T00:00:00.000Z');
  });

  test('$now and $millis give one instant per application', async () => {
    const [now, millis] = (await apply('[$now(), $millis(), $now("[Y0001]", "+0000")]')) as [string, number, string];
    expect(Date.parse(now)).toBe(millis);
    await expect(apply('$toMillis($now()) = $millis()')).resolves.toBe(true);
    await expect(apply('$now("[Y0001]")')).resolves.toMatch(/^\d{4}$/);
  });

  test('$now and $millis read the clock the caller passes', async () => {
    const clock = fixedClock(Date.UTC(2024, 1, 29, 12));
    await expect(apply('[$now(), $millis(), $now("[D01].[M01].[Y]")]', {}, { clock })).resolves.toEqual(['2024-02-29T12:00:00.000Z', Date.UTC(2024, 1, 29, 12), '29.02.2024']);
  });

  test('$string with indentation is measured with it', async () => {
    // 20,000 numbers 300 objects deep: about 120,000 characters of JSON, 12 million indented.
    const deep = '$reduce([1..300], function($a, $b){ { "a": $a } }, [1..20000])';
    await expect(apply(`$length($string(${deep}))`, {}, slack)).resolves.toBeLessThan(MAX_STRING_CHARS);
    expect(await failure(`$string(${deep}, true)`, {}, slack)).toMatchObject({ code: 'transform_too_large', message: expect.stringMatching(/^\$string would build more than/) });
    await expect(apply('$string({"a": [1, {}], "b": {}}, true)')).resolves.toBe(JSON.stringify({ a: [1, {}], b: {} }, null, 2));
  });

  test('$string writes functions as "" and does not walk into them', async () => {
    await expect(apply('$string({"f": function($x){ $x }, "g": [$uppercase]})')).resolves.toBe('{"f":"","g":[""]}');
    // A function under a long key, shared a thousand times: as much JSON as its key, every time.
    const shared = '($o := {$pad("", 10000, "k"): function(){ 1 }}; $string($map([1..1000], function($i){ $o })))';
    expect(await failure(shared, {}, slack)).toMatchObject({ code: 'transform_too_large', message: expect.stringMatching(/^\$string would build more than/) });
  });

  test('$split builds as many items as a sequence holds, no more', async () => {
    // ./process.test.ts shows what a split into millions of items did to the process.
    const chars = (n: number, c = 'x') => `$pad("", ${n}, "${c}")`;
    await expect(apply(`$count($split(${chars(MAX_SEQUENCE)}, ""))`, {}, slack)).resolves.toBe(MAX_SEQUENCE);
    for (const expr of [`$split(${chars(MAX_SEQUENCE + 1)}, "")`, `$split(${chars(MAX_SEQUENCE, ',')}, ",")`]) {
      expect(await failure(expr, {}, slack)).toMatchObject({ code: 'transform_too_large', message: `$split would build more than ${MAX_SEQUENCE} items`, extra: { limit: 'sequence', value: MAX_SEQUENCE } });
    }
    await expect(apply(`$split(${chars(MAX_SEQUENCE * 2)}, "", 3)`, {}, slack)).resolves.toEqual(['x', 'x', 'x']);
    await expect(apply('$split("a, b", /,\\s*/)')).resolves.toEqual(['a', 'b']);
  });

  test('$encodeUrl and $encodeUrlComponent are held to the string cap before they encode', async () => {
    // 2^n three-byte characters, nine characters each once encoded: 4.7 million for 2^19.
    const euros = (n: number) => `$reduce([1..${n}], function($a, $b){ $a & $a }, "€")`;
    for (const name of ['encodeUrl', 'encodeUrlComponent']) {
      expect(await failure(`$length($${name}(${euros(19)}))`, {}, slack)).toMatchObject({ code: 'transform_too_large', message: `$${name} would build more than ${MAX_STRING_CHARS} characters`, extra: { limit: 'stringLength' } });
      await expect(apply(`$length($${name}(${euros(18)}))`, {}, slack)).resolves.toBe(9 * 2 ** 18);
    }
    await expect(apply('[$encodeUrl("https://x.example/a b?q=€"), $encodeUrlComponent("a b/€")]')).resolves.toEqual(['https://x.example/a%20b?q=%E2%82%AC', 'a%20b%2F%E2%82%AC']);
    expect((await failure('$encodeUrlComponent("\\uD800")')).code).toBe('transform_failed'); // a lone surrogate: jsonata's D3140
  });

  test('$clone and the transform operator are held to the string cap before they serialise', async () => {
    // One object shared at every level: 2^19 leaves, six million characters once serialised.
    const dag = '$reduce([1..19], function($a, $b){ { "l": $a, "r": $a } }, 1)';
    expect(await failure(`$count($keys($clone(${dag})))`, {}, { timeoutMs: 60_000 })).toMatchObject({ code: 'transform_too_large', message: expect.stringMatching(/^\$clone would build more than/) });
    expect(await failure(`$count($keys(${dag} ~> |$|{"x": 1}|))`, {}, { timeoutMs: 60_000 })).toMatchObject({ code: 'transform_too_large', message: expect.stringMatching(/^\$clone would build more than/) });
    await expect(apply('$clone({"a": [1, 0.1], "f": $uppercase})')).resolves.toEqual({ a: [1, 0.1], f: '' });
  });
});

describe('the built-ins registered over jsonata\'s', () => {
  test('apply partially and as arguments, as the originals do', async () => {
    // jsonata reads a native function's parameter names from its source to apply it partially.
    await expect(apply('($p := $pad(?, 5, "-"); $p("a"))')).resolves.toBe('a----');
    await expect(apply('($j := $join(?, "+"); $j(["a", "b"]))')).resolves.toBe('a+b');
    await expect(apply('($s := $string(?, true); $s({"a": 1}))')).resolves.toBe('{\n  "a": 1\n}');
    await expect(apply('($f := $fromMillis(?, "[Y]"); $f(0))')).resolves.toBe('1970');
    await expect(apply('$map(["a", {"b": 1}], $string)')).resolves.toEqual(['a', '{"b":1}']);
    await expect(apply('$map([{"a": 1}, {"b": 2}], $clone)')).resolves.toEqual([{ a: 1 }, { b: 2 }]);
    await expect(apply('($s := $split(?, ","); $s("a,b"))')).resolves.toEqual(['a', 'b']);
    await expect(apply('$map(["a b", "c"], $encodeUrlComponent)')).resolves.toEqual(['a%20b', 'c']);
  });

  test('give nothing for a missing argument, as the originals do, rather than failing the delivery', async () => {
    // A field the event lacks: `$join(data.tags, ", ")` on an event without tags.
    const event = { data: { title: 'open' } };
    await expect(apply('{"title": data.title, "tags": $join(data.tags, ", ")}', event)).resolves.toEqual({ title: 'open' });
    for (const expr of ['$join(data.tags)', '$pad(data.tags, 5)', '$string(data.tags)', '$clone(data.tags)', '$fromMillis(data.tags)', '$spread(data.tags)', '$split(data.tags, ",")', '$encodeUrl(data.tags)', '$encodeUrlComponent(data.tags)']) {
      await expect(apply(expr, event)).resolves.toBeUndefined();
    }
  });
});

describe('error messages', () => {
  test('are bounded, whatever the expression puts in them', async () => {
    const big = await failure('$error($pad("", 200000, "x"))', {}, slack);
    expect(big.code).toBe('transform_failed');
    expect(big.message.length).toBeLessThanOrEqual(600);
    expect(big.message).toMatch(/^transform failed: D3137 at position \d+: x+…$/);
    const cast = await failure('$number($pad("", 200000, "y"))', {}, slack);
    expect(cast.message.length).toBeLessThanOrEqual(600);
    expect(await failure('$error("short")')).toMatchObject({ message: expect.stringMatching(/: short$/) });
  });

  test('name no host paths and carry no stack', async () => {
    const err = await failure('$f()');
    expect(err.message).toMatch(/^transform failed: T1006 at position \d+: Attempted to invoke a non-function/);
    // A jsonata internal failing on event data shaped like one of its own function values.
    const internal = await failure('f()', { f: { _jsonata_lambda: true, arguments: [], body: {} } });
    expect(internal.message).not.toMatch(/\/|\\|\bat\b.*\(/);
  });
});
