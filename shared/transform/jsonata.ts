import jsonata from 'jsonata';
import { AppError } from '../errors';
import { type Clock, systemClock } from '../ports/clock';
import { type Budgets, type Exceeded, createBudgets } from './budget';
import { jsonLengthWithin } from './json-size';
import { type Failed, type Runtime, type RuntimeBudget, type RuntimeConstants, createRuntime } from './runtime';
import { type Lost, type Outcome, transformWorker } from './worker';

/**
 * Payload transforms for outbound subscriptions: a JSONata expression (https://docs.jsonata.org,
 * jsonata 2.x) applied to the event before delivery.
 *
 * Why budgets and no sandbox: JSONata is a pure query language. It has no I/O, no module loading,
 * no access to globals, `process` or the host's objects; only the input, the bindings we pass and
 * its built-in functions. `$eval` evaluates JSONata, not JavaScript, in the same environment (so
 * under the same budgets). Two of its operations reach jsonata's own objects, though: the transform
 * operator (`~> | pattern | update |`, given a redefined `$clone` or a function as its update) and
 * `$spread` of a built-in. Through them one tenant's expression could rewrite the built-ins the
 * next tenant's runs with, and unbind its own budgets: ./budget.ts refuses both (`onEntry`, GUARDS).
 * What a hostile or careless expression can still do is use resources, which the budgets bound
 * per call:
 * - time: a hard limit. Transforms run in a worker thread (./worker.ts), terminated when an
 *   application overruns its budget wherever it is: in one slow built-in call (`$distinct` is
 *   quadratic) or a regular expression with catastrophic backtracking. The budget is also checked
 *   on entry to every evaluation step (jsonata's `__evaluate_entry` hook), which stops loops and
 *   recursion without losing the worker (the hard limit comes HARD_LIMIT_GRACE_MS later);
 * - depth: nested evaluation steps, counted by the entry and exit hooks (non-tail recursion);
 * - output: the UTF-8 bytes of the result's JSON, bounded by its length measured without
 *   serialising it first;
 * - sequences (jsonata's `sequence` option: `[1..10000000]` fails before allocating; `$split`
 *   into more items) and strings (every intermediate result; `$pad`, `$string`, `$join`, `$clone`,
 *   `$encodeUrl`, `$encodeUrlComponent`, and the width modifiers of `$fromMillis` and `$now`
 *   pictures, before they build theirs), checked before they are built (./budget.ts); the
 *   worker's heap is capped as well (WORKER_HEAP_MB).
 * A failing transform's error text is cut to 500 characters: jsonata puts values in it, and it is
 * stored with the delivery.
 * Applications run one at a time in the worker; the calling thread only waits.
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
/**
 * Levels of arrays and objects in the output, as many as the router takes in a queued event. The
 * output is serialised again in the calling thread, whose stack (about 1 MB on Node 20) overflows
 * at a few thousand levels, while the worker's (4 MB) took four times as many: a deeper output
 * passed here and failed later as an internal error.
 */
export const MAX_OUTPUT_DEPTH = 1000;

export interface TransformBudget {
  timeoutMs?: number;
  /** Limit on the UTF-8 bytes of `JSON.stringify(output)`. */
  maxOutputBytes?: number;
  maxDepth?: number;
  /**
   * For tests: a clock for the per-step check. A function cannot reach the worker, so with one the
   * transform runs in the calling thread, with the per-step checks only (no hard limit).
   */
  now?: () => number;
  /** The wall clock `$now()` and `$millis()` read, once, as the application starts; the system's by default. */
  clock?: Clock;
}

/** A compiled transform; reuse it across deliveries (and concurrent ones: budgets are per call). */
export interface Transform {
  readonly source: string;
  readonly expression: jsonata.Expression;
}

export type CompileTransformResult = { ok: true; transform: Transform } | { ok: false; error: string };

const CONSTANTS: RuntimeConstants = { maxSequence: MAX_SEQUENCE, maxStringChars: MAX_STRING_CHARS, maxOutputDepth: MAX_OUTPUT_DEPTH };

/** This thread's runtime: it compiles (syntax errors are reported at once) and runs transforms given a clock. */
let local: { budgets: Budgets; runtime: Runtime } | undefined;
function localRuntime(): { budgets: Budgets; runtime: Runtime } {
  if (local === undefined) {
    const budgets = createBudgets(jsonata, jsonLengthWithin);
    local = { budgets, runtime: createRuntime(jsonata, budgets, jsonLengthWithin, CONSTANTS) };
  }
  return local;
}

export function compileTransform(expr: string): CompileTransformResult {
  if (expr.length > MAX_TRANSFORM_LENGTH) return { ok: false, error: `transform longer than ${MAX_TRANSFORM_LENGTH} characters` };
  const { runtime } = localRuntime();
  try {
    return { ok: true, transform: { source: expr, expression: runtime.compile(expr) } };
  } catch (e) {
    return { ok: false, error: runtime.describe(e) };
  }
}

/**
 * Applies a transform within its budgets and returns its result as plain JSON (`undefined` when
 * the expression matches nothing). Throws an AppError (422, not retryable) otherwise:
 * `transform_failed`, `transform_timeout` or `transform_too_large`, with `extra.limit` naming the
 * budget.
 */
export async function applyTransform(transform: Transform, input: unknown, budget: TransformBudget = {}): Promise<unknown> {
  if (budget.now === undefined) return applyTransformSource(transform.source, input, budget);
  const limits = runtimeBudget(budget);
  return outputOf(await localRuntime().runtime.apply(transform.expression, input, limits, budget.now), limits.timeoutMs);
}

/**
 * applyTransform for a transform's text, as saved (compileTransform checked it then): the worker
 * compiles it, and keeps what it compiled, so the calling thread parses nothing. That thread runs
 * every tenant's deliveries, and jsonata's parser takes over 100 ms on some texts within
 * MAX_TRANSFORM_LENGTH (`a` and 4,095 `.*`). A text that does not compile is transform_failed.
 */
export async function applyTransformSource(source: string, input: unknown, budget: Omit<TransformBudget, 'now'> = {}): Promise<unknown> {
  if (source.length > MAX_TRANSFORM_LENGTH) {
    const message = `transform longer than ${MAX_TRANSFORM_LENGTH} characters`;
    throw appError({ code: 'transform_failed', message: `transform failed: ${message}`, cause: { message } });
  }
  const limits = runtimeBudget(budget);
  return outputOf(await transformWorker(CONSTANTS).apply(source, input, limits), limits.timeoutMs);
}

function runtimeBudget(budget: TransformBudget): RuntimeBudget {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES, maxDepth = DEFAULT_MAX_DEPTH, clock = systemClock } = budget;
  return { timeoutMs, maxOutputBytes, maxDepth, timestamp: clock.now() };
}

/** The output as plain JSON, or the AppError of a failed application. */
function outputOf(outcome: Outcome, timeoutMs: number): unknown {
  if (outcome.ok) return outcome.json === undefined ? undefined : JSON.parse(outcome.json);
  throw appError('error' in outcome ? outcome.error : lostError(outcome, timeoutMs));
}

/** What the worker could not say itself: it was stopped at the hard limit, or died. */
function lostError(lost: Lost, timeoutMs: number): Exceeded | Failed {
  const { budgets } = localRuntime();
  switch (lost.lost) {
    case 'timeout':
      return budgets.timeout(timeoutMs);
    case 'heap':
      return budgets.tooLarge('heap', lost.heapMb, `transform exceeded the ${lost.heapMb} MB heap of the transform worker`);
    default:
      return { code: 'transform_failed', message: `transform failed: ${lost.message}`, cause: { message: lost.message } };
  }
}

function appError(error: Exceeded | Failed): AppError {
  const options = { status: 422, retryable: false };
  if (error.code === 'transform_failed') return new AppError(error.code, error.message, { ...options, cause: error.cause });
  return new AppError(error.code, error.message, { ...options, extra: { limit: error.limit, value: error.value } });
}
