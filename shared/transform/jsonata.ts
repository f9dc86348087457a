import jsonata from 'jsonata';
import { AppError } from '../errors';
import { RUN, type Run, installBudgets, tooLarge } from './budget';
import { jsonLengthWithin } from './json-size';

/**
 * Payload transforms for outbound subscriptions: a JSONata expression (https://docs.jsonata.org,
 * jsonata 2.x) applied to the event before delivery.
 *
 * Why budgets and no sandbox: JSONata is a pure query language. It has no I/O, no module loading,
 * no access to globals, `process` or the host's objects; only the input, the bindings we pass and
 * its built-in functions. `$eval` evaluates JSONata, not JavaScript, in the same environment (so
 * under the same budgets). What a hostile or careless expression can still do is use resources,
 * which the budgets bound per call:
 * - time: checked on entry to every evaluation step (jsonata's `__evaluate_entry` hook), so loops
 *   and recursion stop with `transform_timeout`, tail-recursive ones included;
 * - depth: nested evaluation steps, counted by the entry and exit hooks (non-tail recursion);
 * - output: the JSON length of the result, measured without serialising it first;
 * - sequences (jsonata's `sequence` option: `[1..10000000]` fails before allocating) and strings
 *   (every intermediate result; `$pad`, `$string` and `$join` before they build theirs): single
 *   built-in calls cannot be interrupted, and some would otherwise exhaust the heap, which V8
 *   treats as a fatal error (./budget.ts).
 * Not bounded: one built-in call that is slow on bounded input, notably a regular expression with
 * catastrophic backtracking (JS RegExp is not interruptible). Transforms are written by
 * authenticated tenants; if that is not enough, run them in a worker with resourceLimits.
 */
export const MAX_TRANSFORM_LENGTH = 8 * 1024;
export const DEFAULT_TIMEOUT_MS = 100;
export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;
/** Nested evaluation steps; a recursive function uses two or three per level. */
export const DEFAULT_MAX_DEPTH = 500;
/** Items in one JSONata sequence (fixed at compile time, a jsonata option). */
export const MAX_SEQUENCE = 100_000;
/** Characters in any intermediate string: four times the default ingress body limit. */
export const MAX_STRING_CHARS = 4 * 1024 * 1024;

export interface TransformBudget {
  timeoutMs?: number;
  /** Limit on `JSON.stringify(output).length`. */
  maxOutputBytes?: number;
  maxDepth?: number;
  /** CPU-time budget clock; `performance.now` unless a test injects one. */
  now?: () => number;
}

/** A compiled transform; reuse it across deliveries (and concurrent ones: budgets are per call). */
export interface Transform {
  readonly source: string;
  readonly expression: jsonata.Expression;
}

export type CompileTransformResult = { ok: true; transform: Transform } | { ok: false; error: string };

export function compileTransform(expr: string): CompileTransformResult {
  if (expr.length > MAX_TRANSFORM_LENGTH) return { ok: false, error: `transform longer than ${MAX_TRANSFORM_LENGTH} characters` };
  let expression: jsonata.Expression;
  try {
    expression = jsonata(expr, { sequence: MAX_SEQUENCE });
  } catch (e) {
    return { ok: false, error: describe(e) };
  }
  installBudgets(expression);
  return { ok: true, transform: { source: expr, expression } };
}

/**
 * Applies a transform within its budgets and returns its result as plain JSON (`undefined` when
 * the expression matches nothing). Throws an AppError (422, not retryable) otherwise:
 * `transform_failed`, `transform_timeout` or `transform_too_large`, with `extra.limit` naming the
 * budget.
 */
export async function applyTransform(transform: Transform, input: unknown, budget: TransformBudget = {}): Promise<unknown> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES, maxDepth = DEFAULT_MAX_DEPTH } = budget;
  const now = budget.now ?? (() => performance.now());
  const maxString = Math.max(MAX_STRING_CHARS, maxOutputBytes);
  const run: Run = { now, deadline: now() + timeoutMs, timeoutMs, maxDepth, maxOutputBytes, maxString, depth: 0 };
  let output: unknown;
  try {
    output = await transform.expression.evaluate(input, { [RUN]: run });
  } catch (e) {
    // A budget error may reach us wrapped (`$eval` re-throws as D3121): the run knows what happened.
    if (run.exceeded) throw run.exceeded;
    if (isJsonataError(e) && e.code === 'D2015') throw tooLarge('sequence', MAX_SEQUENCE, `transform built a sequence longer than ${MAX_SEQUENCE} items`);
    throw new AppError('transform_failed', `transform failed: ${describe(e)}`, { status: 422, retryable: false, cause: e });
  }
  const size = jsonLengthWithin(output, maxOutputBytes, isJsonataFunction);
  if (size === undefined) throw tooLarge('maxOutputBytes', maxOutputBytes, `transform output exceeds ${maxOutputBytes} bytes of JSON`);
  // Plain JSON for the delivery: no jsonata sequence flags, no functions, no references into the input.
  const json = JSON.stringify(output, (_key, v: unknown) => (isJsonataFunction(v) ? undefined : v));
  return json === undefined ? undefined : JSON.parse(json);
}

/**
 * JSONata's function values (lambdas, built-ins) are objects, and a lambda holds its evaluation
 * environment, a cyclic structure. JSON has no form for functions; jsonata's `$string` drops them too.
 */
const isJsonataFunction = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && ((v as { _jsonata_lambda?: unknown })._jsonata_lambda === true || (v as { _jsonata_function?: unknown })._jsonata_function === true);

interface JsonataError {
  code: string;
  position?: number;
  message?: string;
}
const isJsonataError = (e: unknown): e is JsonataError => typeof e === 'object' && e !== null && typeof (e as JsonataError).code === 'string';

/** `S0202 at position 7: Expected ")", got "]"`; jsonata's position is the offset where the offending token ends. */
function describe(e: unknown): string {
  if (isJsonataError(e)) return `${e.code}${e.position === undefined ? '' : ` at position ${e.position}`}: ${e.message ?? 'error'}`;
  return e instanceof Error ? e.message : String(e);
}
