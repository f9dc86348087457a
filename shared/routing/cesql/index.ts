import { type CloudEvent } from '../../events/cloudevent';
import { CesqlBudgetExceeded, type WorkBudget, workBudget } from './budget';
import { type EvalContext, FAIL_FAST, evaluate } from './evaluate';
import { resolveFunction } from './functions';
import { parse } from './parser';
import { type CesqlError, type CesqlProgram, CesqlParseError, type Node } from './types';

/**
 * CloudEvents SQL Expression Language 1.0 (cesql-spec.md in ../shared/fixtures/cloudevents/
 * subscriptions), the `sql` filter dialect of the Subscriptions spec (3.2.4.1.2).
 *
 *   const c = compileCesql("source LIKE '%cloudevents%'");   // once, when the subscription is stored
 *   if (c.ok && cesqlMatches(c.program, event)) deliver();   // per event
 */
export type { CesqlError, CesqlErrorKind, CesqlProgram, CesqlType, CesqlValue } from './types';
export { MAX_EXPRESSION_LENGTH, MAX_LIKE_PATTERN_LENGTH, MAX_NESTING_DEPTH } from './types';
export { BASE_WORK, CesqlBudgetExceeded, PASSES_PER_EVENT, type WorkBudget, workBudget } from './budget';

export type CompileResult = { ok: true; program: CesqlProgram } | { ok: false; error: string };

/** Parses an expression. Errors name the 0-based offset: `parse error at position 7: ...`. */
export function compileCesql(expr: string): CompileResult {
  try {
    const ast = parse(expr);
    return { ok: true, program: { source: expr, ast, missingFunctions: missingFunctions(ast) } };
  } catch (e) {
    if (e instanceof CesqlParseError) return { ok: false, error: e.message };
    throw e;
  }
}

/**
 * Complete evaluation (spec 4.1): the value and every error met on the way. Errors never abort
 * evaluation; each failing operator yields the zero value of its return type (spec 3.3). The one
 * exception is running out of the work budget (budget.ts): the evaluation stops there, with
 * `false` (the assumed Boolean, spec 3.2) and a GenericError after the errors met so far.
 */
export function evaluateCesql(
  program: CesqlProgram,
  event: CloudEvent,
  budget: WorkBudget = workBudget(event),
): { value: boolean | number | string; errors: CesqlError[] } {
  const ctx: EvalContext = { event, errors: [], failFast: false, budget };
  try {
    const value = evaluate(program.ast, ctx);
    return { value, errors: ctx.errors };
  } catch (e) {
    if (!(e instanceof CesqlBudgetExceeded)) throw e;
    return { value: false, errors: [...ctx.errors, { kind: 'generic', message: e.message, position: e.position }] };
  }
}

/**
 * The filter decision (Subscriptions spec 3.2.4.1.2, CESQL spec 1.2): true only for the Boolean
 * `true` reached without any error. Uses fail-fast mode, which stops at the first error.
 *
 * Throws CesqlBudgetExceeded when the evaluation runs out of `budget` (pass one budget to every
 * `sql` filter of a filter tree). It is not a plain `false`: under a `not` that would match, so
 * the caller must drop the event for the whole filter (filter.ts does).
 */
export function cesqlMatches(program: CesqlProgram, event: CloudEvent, budget?: WorkBudget): boolean {
  const ctx: EvalContext = { event, errors: [], failFast: true, budget: budget ?? workBudget(event) };
  try {
    return evaluate(program.ast, ctx) === true;
  } catch (e) {
    if (e === FAIL_FAST) return false;
    throw e;
  }
}

/** Calls no built-in can dispatch: legal (they evaluate to an error), but worth rejecting up front. */
function missingFunctions(root: Node): string[] {
  const out = new Set<string>();
  const walk = (n: Node): void => {
    switch (n.kind) {
      case 'call':
        if (resolveFunction(n.name, n.args.length) === undefined) out.add(`${n.name}/${n.args.length}`);
        n.args.forEach(walk);
        return;
      case 'binary':
        walk(n.left);
        walk(n.right);
        return;
      case 'in':
        walk(n.operand);
        n.set.forEach(walk);
        return;
      case 'not':
      case 'negate':
      case 'like':
        walk(n.operand);
        return;
      default:
        return;
    }
  };
  walk(root);
  return [...out];
}
