import jsonata from 'jsonata';
import { type Run, createBudgets } from './budget';
import { jsonLengthWithin } from './json-size';

const budgets = createBudgets(jsonata, jsonLengthWithin);

const compiled = (source: string): jsonata.Expression => {
  const expression = jsonata(source);
  budgets.installBudgets(expression);
  return expression;
};

const run = (): Run => ({ now: () => 0, deadline: 1e9, timeoutMs: 1e9, maxDepth: 1e6, maxOutputBytes: 100, maxString: 100, maxSequence: 10, timestamp: 0, depth: 0 });

/** The value, or the message of the error the evaluation fails with. */
const outcome = (source: string, r: Run = run()): Promise<unknown> => compiled(source).evaluate({}, budgets.bindings(r)).catch((e: Error) => e.message);

describe('the budget binding', () => {
  test('is taken only as handed out for the run: missing, emptied or imitated, the evaluation fails', async () => {
    const expr = compiled('$length($pad("", 1000))');
    expect(await expr.evaluate({}, budgets.bindings(run())).catch((e: Error) => e.message)).toBe('$pad would build more than 100 characters');
    // The name is jsonata's binding name, out of an expression's reach; an expression that ever
    // reached jsonata's environment objects could unbind it, and every check passed everything.
    for (const bindings of [undefined, { 'secorch budget': undefined }, { 'secorch budget': { ...run(), maxOutputBytes: 1e9, maxString: 1e9 } }]) {
      await expect(expr.evaluate({}, bindings)).rejects.toThrow('transform evaluated without its budgets');
    }
  });
});

describe('built-ins that build an array or a string in one call', () => {
  test('$split builds at most maxSequence items, whatever the separator and limit', async () => {
    const over = '$split would build more than 10 items';
    await expect(outcome('$split("abcdefghij", "")')).resolves.toEqual([...'abcdefghij']);
    await expect(outcome('$split("abcdefghijk", "")')).resolves.toBe(over);
    const eleven = '"a,b,c,d,e,f,g,h,i,j,k"';
    await expect(outcome(`$split(${eleven}, ",")`)).resolves.toBe(over);
    await expect(outcome(`$split(${eleven}, /,/)`)).resolves.toBe(over);
    await expect(outcome(`$split(${eleven}, ",", 11)`)).resolves.toBe(over);
    await expect(outcome(`$split(${eleven}, ",", 1e9)`)).resolves.toBe(over);
    await expect(outcome(`$split(${eleven}, ",", 10)`)).resolves.toEqual([...'abcdefghij']);
    await expect(outcome(`$split(${eleven}, /,/, 3)`)).resolves.toEqual(['a', 'b', 'c']);
    // Ten separators, eleven items: the item after the last separator counts too.
    await expect(outcome('$split("a,b,c,d,e,f,g,h,i,j,", ",")')).resolves.toBe(over);
    await expect(outcome('$split("a,b,c,d,e,f,g,h,i,j", /,/)')).resolves.toHaveLength(10);
  });

  test('$split gives what jsonata\'s own gives, within the cap', async () => {
    const r = { ...run(), maxSequence: 1000 };
    const args = ['"a,b,,c", ","', '"abc", ""', '"a1b22c", /[0-9]+/', '"a,b,c", ",", 2', '"a,b,c", /,/, 2', '"a,b,c", ",", 0', '"", ","', '"", ""', '"a,b", "x"', 'nothing, ","'];
    for (const a of args) {
      const expr = `$split(${a})`;
      await expect(outcome(expr, r).then((v) => [expr, v])).resolves.toEqual([expr, await jsonata(expr).evaluate({})]);
    }
  });

  test('$encodeUrl and $encodeUrlComponent are held to the string cap by the length of their result, before they build it', async () => {
    const encoders = [['encodeUrl', encodeURI], ['encodeUrlComponent', encodeURIComponent]] as const;
    // Kept and reserved characters, two-, three- and four-byte ones; `€€€` at nine characters
    // each, the most a character takes (the bound the guard skips counting under).
    const texts = ['a b/c?d=é&e#f', "€😀~*()'!;,:@+$", `${'x'.repeat(60)} `, '€€€'];
    for (const [name, encode] of encoders) {
      for (const text of texts) {
        const expr = `$${name}(${JSON.stringify(text)})`;
        const length = encode(text).length;
        await expect(outcome(expr, { ...run(), maxString: length })).resolves.toBe(encode(text));
        await expect(outcome(expr, { ...run(), maxString: length - 1 })).resolves.toBe(`$${name} would build more than ${length - 1} characters`);
      }
      await expect(outcome(`$${name}(nothing)`)).resolves.toBeUndefined();
    }
  });
});
