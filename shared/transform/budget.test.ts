import jsonata from 'jsonata';
import { type Run, createBudgets } from './budget';
import { jsonLengthWithin } from './json-size';

const budgets = createBudgets(jsonata, jsonLengthWithin);

const compiled = (source: string): jsonata.Expression => {
  const expression = jsonata(source);
  budgets.installBudgets(expression);
  return expression;
};

const run = (): Run => ({ now: () => 0, deadline: 1e9, timeoutMs: 1e9, maxDepth: 1e6, maxOutputBytes: 100, maxString: 100, timestamp: 0, depth: 0 });

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
