import type Jsonata from 'jsonata';
import type { Budgets, Exceeded, Run } from './budget';
import type { JsonLengthWithin } from './json-size';

export interface RuntimeBudget {
  timeoutMs: number;
  maxOutputBytes: number;
  maxDepth: number;
  /** Epoch milliseconds that `$now()` and `$millis()` give throughout the application. */
  timestamp: number;
}

export interface RuntimeConstants {
  /** Items in one JSONata sequence (jsonata's `sequence` option). */
  maxSequence: number;
  /** Characters in any intermediate string (at least the output budget). */
  maxStringChars: number;
  /** Levels of arrays and objects in the output. */
  maxOutputDepth: number;
}

/** A runtime error of the expression (no budget ran out); `cause` keeps what jsonata said, as plain data. */
export interface Failed {
  code: 'transform_failed';
  message: string;
  cause: { code?: string; position?: number; token?: string; message?: string };
}

/** The outcome of one application, as plain data: it crosses the worker boundary as it is. */
export type Applied = { ok: true; json: string | undefined } | { ok: false; error: Exceeded | Failed };

export type Runtime = ReturnType<typeof createRuntime>;

/**
 * Compiles and applies transforms with one jsonata instance: the calling thread's, or the
 * worker's. Self-contained, it refers to nothing outside its own body but its parameters: the
 * transform worker is started from its source text (./worker.ts).
 */
export function createRuntime(jsonata: typeof Jsonata, budgets: Budgets, jsonLengthWithin: JsonLengthWithin, constants: RuntimeConstants) {
  const { bindings, installBudgets, tooLarge } = budgets;

  function compile(source: string): Jsonata.Expression {
    const expression = jsonata(source, { sequence: constants.maxSequence });
    installBudgets(expression);
    return expression;
  }

  /** The worker receives sources: it keeps the expressions it compiled, the least recently used leave first. */
  const CACHED = 256;
  const cache = new Map<string, Jsonata.Expression>();
  function compiled(source: string): Jsonata.Expression {
    let expression = cache.get(source);
    if (expression === undefined) expression = compile(source);
    else cache.delete(source);
    cache.set(source, expression);
    if (cache.size > CACHED) cache.delete(cache.keys().next().value as string);
    return expression;
  }

  /** Evaluates within the budgets; the result leaves as JSON text (no jsonata sequence flags, no functions, no references into the input). */
  async function apply(expression: Jsonata.Expression, input: unknown, budget: RuntimeBudget, now: () => number): Promise<Applied> {
    const { timeoutMs, maxOutputBytes, maxDepth, timestamp } = budget;
    const maxString = Math.max(constants.maxStringChars, maxOutputBytes);
    const run: Run = { now, deadline: now() + timeoutMs, timeoutMs, maxDepth, maxOutputBytes, maxString, maxSequence: constants.maxSequence, timestamp, depth: 0 };
    let output: unknown;
    try {
      output = await expression.evaluate(input, bindings(run));
    } catch (e) {
      // A budget error may reach us wrapped (`$eval` re-throws as D3121): the run knows what happened.
      if (run.exceeded) return { ok: false, error: run.exceeded };
      if (isJsonataError(e) && e.code === 'D2015') {
        return { ok: false, error: tooLarge('sequence', constants.maxSequence, `transform built a sequence longer than ${constants.maxSequence} items`) };
      }
      return { ok: false, error: failed(e) };
    }
    // jsonata refuses Infinity and NaN only where they are used again (`1/0 + 1`), not in the
    // result, where JSON.stringify would quietly write them as null.
    let unwritable: number | undefined;
    const replace = (v: unknown): unknown => {
      if (typeof v === 'number' && !Number.isFinite(v)) unwritable ??= v;
      return withoutFunctions(v);
    };
    let deep = false;
    const { maxOutputDepth } = constants;
    // The budget is in bytes of UTF-8, as the output is sent. Its length in UTF-16 units, measured
    // first (without serialising), is a lower bound: one to three bytes a unit (a surrogate pair
    // is four bytes; JSON.stringify escapes a lone surrogate). The bytes are counted only when
    // three a unit could exceed the budget.
    const size = jsonLengthWithin(output, maxOutputBytes, { replace, maxDepth: maxOutputDepth, onTooDeep: () => (deep = true) });
    if (deep) return { ok: false, error: tooLarge('outputDepth', maxOutputDepth, `transform output nests arrays and objects deeper than ${maxOutputDepth} levels`) };
    const overBudget = (): Applied => ({ ok: false, error: tooLarge('maxOutputBytes', maxOutputBytes, `transform output exceeds ${maxOutputBytes} bytes of JSON`) });
    if (size === undefined) return overBudget();
    const json = JSON.stringify(output, (_key, v: unknown) => withoutFunctions(v)) as string | undefined;
    if (json !== undefined && size * 3 > maxOutputBytes && Buffer.byteLength(json, 'utf8') > maxOutputBytes) return overBudget();
    if (unwritable !== undefined) return { ok: false, error: unrepresentable(unwritable) };
    return { ok: true, json };
  }

  function unrepresentable(n: number): Failed {
    const message = `the output holds ${n}, which JSON cannot represent`;
    // D1001 is jsonata's own code for such a number where it checks one.
    return { code: 'transform_failed', message: `transform failed: ${message}`, cause: { code: 'D1001', message } };
  }

  /**
   * The worker's entry: by source, with the worker's clock, and never rejecting. `onCompiled` is
   * called once the expression is compiled (or found compiled), before its budget starts.
   */
  async function applySource(source: string, input: unknown, budget: RuntimeBudget, onCompiled?: () => void): Promise<Applied> {
    try {
      const expression = compiled(source);
      onCompiled?.();
      return await apply(expression, input, budget, () => performance.now());
    } catch (e) {
      return { ok: false, error: failed(e) };
    }
  }

  /**
   * JSONata's function values (lambdas, built-ins) are objects, and a lambda holds its evaluation
   * environment, a cyclic structure. JSON has no form for functions; jsonata's `$string` drops them too.
   */
  const isJsonataFunction = (v: unknown): boolean =>
    typeof v === 'object' && v !== null && ((v as { _jsonata_lambda?: unknown })._jsonata_lambda === true || (v as { _jsonata_function?: unknown })._jsonata_function === true);
  const withoutFunctions = (v: unknown): unknown => (isJsonataFunction(v) ? undefined : v);

  interface JsonataError {
    code: string;
    position?: number;
    token?: unknown;
    message?: string;
  }
  const isJsonataError = (e: unknown): e is JsonataError => typeof e === 'object' && e !== null && typeof (e as JsonataError).code === 'string';

  /**
   * Characters of an error's text kept. jsonata puts values in its messages (`$error($s)`, the
   * value that failed a cast), and the text is stored with the delivery: a few hundred characters
   * say what went wrong.
   */
  const MAX_MESSAGE = 500;
  function bounded(text: string): string {
    if (text.length <= MAX_MESSAGE) return text;
    // Not half a surrogate pair at the cut.
    const last = text.charCodeAt(MAX_MESSAGE - 1);
    const end = last >= 0xd800 && last <= 0xdbff ? MAX_MESSAGE - 1 : MAX_MESSAGE;
    return `${text.slice(0, end)}…`;
  }

  /** `S0202 at position 7: Expected ")", got "]"`; jsonata's position is the offset where the offending token ends. */
  function describe(e: unknown): string {
    if (isJsonataError(e)) return bounded(`${e.code}${e.position === undefined ? '' : ` at position ${e.position}`}: ${e.message ?? 'error'}`);
    return bounded(e instanceof Error ? e.message : String(e));
  }

  function failed(e: unknown): Failed {
    const cause: Failed['cause'] = { message: bounded(isJsonataError(e) || e instanceof Error ? String(e.message) : String(e)) };
    if (isJsonataError(e)) {
      cause.code = bounded(e.code);
      if (typeof e.position === 'number') cause.position = e.position;
      if (typeof e.token === 'string') cause.token = bounded(e.token);
    }
    return { code: 'transform_failed', message: `transform failed: ${describe(e)}`, cause };
  }

  return { compile, apply, applySource, describe };
}
