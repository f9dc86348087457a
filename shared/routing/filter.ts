import { AppError } from '../errors/app-error';
import { attributeString, type CloudEvent } from '../events/cloudevent';
import { CesqlBudgetExceeded, type CesqlProgram, type WorkBudget, cesqlMatches, compileCesql, workBudget } from './cesql';

/**
 * CloudEvents Subscriptions filter dialects (subscriptions spec 3.2.4): the required exact, prefix,
 * suffix, all, any and not, and the optional `sql` (3.2.4.1.2): a CloudEvents SQL 1.0 expression
 * (./cesql) that matches only when it yields the Boolean `true` without any evaluation error.
 * Invalid expressions are rejected up front, as that section recommends.
 *
 * One deliberate extension: an empty prefix value (`prefix: { type: "" }`) is accepted and
 * matches every event that has the attribute. The spec asks for non-empty values; the product's
 * documented catch-all route relies on this form.
 */
export type Filter =
  | { exact: Record<string, string> }
  | { prefix: Record<string, string> }
  | { suffix: Record<string, string> }
  | { all: Filter[] }
  | { any: Filter[] }
  | { not: Filter }
  | { sql: string };

const DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not', 'sql'] as const;

/**
 * Levels of all, any and not a filter may nest (the outermost counts as one). Validation and
 * matching recurse per level, and filters are tenant input: a body of `{"not":{"not":...}}` must
 * be a validation problem, not a stack overflow. Real filters nest two or three levels.
 */
export const MAX_FILTER_DEPTH = 32;

/**
 * What exact, prefix and suffix may name: a context attribute or extension, lower-case a-z and 0-9
 * (CloudEvents 1.0 naming convention; the router refuses events with other names), never the
 * payload. Any other name never matches, and under `not` matches every event: a typo such as
 * `Severity` would have been accepted and quietly selected nothing, or everything.
 */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const isAttributeName = (name: string): boolean => ATTRIBUTE_NAME.test(name) && name !== 'data';

/** Validates an untrusted filter; returns `path: reason` problems (empty when valid). */
export function filterProblems(f: unknown, path = 'filter'): string[] {
  return problemsAt(f, path, 0);
}

/** `depth`: how many all, any and not enclose `f`. */
function problemsAt(f: unknown, path: string, depth: number): string[] {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return [`${path}: must be an object with one dialect`];
  const keys = Object.keys(f);
  if (keys.length !== 1) return [`${path}: must have exactly one dialect (${DIALECTS.join(', ')}), found ${keys.length}`];
  const dialect = keys[0]!;
  const arg = (f as Record<string, unknown>)[dialect];
  const at = `${path}.${dialect}`;
  if ((dialect === 'all' || dialect === 'any' || dialect === 'not') && depth >= MAX_FILTER_DEPTH) {
    return [`${at}: filter nested deeper than ${MAX_FILTER_DEPTH} levels of all, any and not`];
  }
  switch (dialect) {
    case 'exact':
    case 'prefix':
    case 'suffix': {
      if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return [`${at}: must map attribute names to strings`];
      const entries = Object.entries(arg);
      if (entries.length === 0) return [`${at}: must name at least one attribute`];
      const out: string[] = [];
      for (const [name, value] of entries) {
        if (name === '') out.push(`${at}: attribute names must not be empty`);
        else if (!isAttributeName(name)) out.push(`${at}.${name}: not a CloudEvents attribute name (lower-case a-z and 0-9; data is the payload)`);
        else if (typeof value !== 'string') out.push(`${at}.${name}: must be a string`);
        else if (value === '' && dialect !== 'prefix') out.push(`${at}.${name}: must not be empty`);
      }
      return out;
    }
    case 'all':
    case 'any':
      if (!Array.isArray(arg) || arg.length === 0) return [`${at}: must be a non-empty array of filters`];
      return arg.flatMap((sub, i) => problemsAt(sub, `${at}[${i}]`, depth + 1));
    case 'not':
      return problemsAt(arg, at, depth + 1);
    case 'sql': {
      if (typeof arg !== 'string') return [`${at}: must be a CloudEvents SQL expression string`];
      const compiled = compileCesql(arg);
      if (!compiled.ok) return [`${at}: ${compiled.error}`];
      // Parses, but a call no built-in takes is an error on every evaluation: never matches.
      return compiled.program.missingFunctions.map((f) => `${at}: unknown function ${f}`);
    }
    default:
      return [`${path}: unsupported dialect "${dialect}" (supported: ${DIALECTS.join(', ')})`];
  }
}

function eachAttribute(e: CloudEvent, map: Record<string, string>, test: (value: string, want: string) => boolean): boolean {
  for (const [name, want] of Object.entries(map)) {
    const value = attributeString(e, name);
    if (value === undefined || !test(value, want)) return false;
  }
  return true;
}

/**
 * Compiled `sql` filters by expression text. A Map rather than a WeakMap on the filter object:
 * routes and subscriptions are often re-read per invocation, and the text is the stable key. The
 * cap bounds memory when expressions churn; evicting the oldest entry only costs a re-parse.
 */
const PROGRAMS = new Map<string, CesqlProgram | null>();
const MAX_PROGRAMS = 1000;

function program(expr: string): CesqlProgram | null {
  let p = PROGRAMS.get(expr);
  if (p === undefined) {
    const compiled = compileCesql(expr);
    p = compiled.ok ? compiled.program : null;
    if (PROGRAMS.size >= MAX_PROGRAMS) PROGRAMS.delete(PROGRAMS.keys().next().value!);
    PROGRAMS.set(expr, p);
  }
  return p;
}

/**
 * Thrown inside matchesAt when the filter cannot be evaluated as written: nested deeper than
 * validation allows, or an `sql` expression this version cannot compile. Both were accepted once
 * (stored subscriptions predate the caps on filter depth, CESQL depth and LIKE pattern length),
 * and both fail the whole filter, not just their branch: under a `not`, a false branch would
 * match, and `{ not: { sql: <no longer valid> } }` would take every event of the tenant.
 */
const UNUSABLE = Symbol('filter.unusable');

/**
 * The filter's `sql` expressions ran out of their work budget on this event (./cesql/budget.ts:
 * one budget for the whole filter tree). The event is not delivered to the filter's owner,
 * whatever `not` or `any` surround the expression, and nothing else is affected. Not retryable:
 * the same event costs the same every time.
 */
export class FilterBudgetExceededError extends AppError {
  constructor(cause: CesqlBudgetExceeded) {
    // The logger records name and message only, so the message leads with the code.
    super('filter_budget_exceeded', `filter_budget_exceeded: sql filter ${cause.message}`, {
      status: 422, retryable: false, expose: false, cause, extra: { limit: cause.limit, position: cause.position },
    });
    this.name = 'FilterBudgetExceededError';
  }
}

/**
 * Evaluates a validated filter against an event. A filter with an `sql` expression that does not
 * compile matches nothing (whatever `not` surrounds it), and so does a filter nested deeper than
 * validation allows (one stored before the cap existed), or one that runs out of its work budget
 * (matchesOrThrow tells that case apart).
 */
export function matches(f: Filter, e: CloudEvent): boolean {
  // Not a wrapper around matchesOrThrow: this is the router's hot path, one call layer less.
  try {
    return matchesAt(f, e, 0, workBudget(e));
  } catch (x) {
    if (x === UNUSABLE || x instanceof CesqlBudgetExceeded) return false;
    throw x;
  }
}

/**
 * `matches`, but a filter that runs out of its work budget throws FilterBudgetExceededError, for
 * callers that log it per subscription (the fan-out does). The exact, prefix and suffix dialects
 * are not charged: their work is bounded by the filter's own strings, not by the event.
 */
export function matchesOrThrow(f: Filter, e: CloudEvent): boolean {
  try {
    return matchesAt(f, e, 0, workBudget(e));
  } catch (x) {
    if (x === UNUSABLE) return false;
    if (x instanceof CesqlBudgetExceeded) throw new FilterBudgetExceededError(x);
    throw x;
  }
}

function matchesAt(f: Filter, e: CloudEvent, depth: number, budget: WorkBudget): boolean {
  if ('exact' in f) return eachAttribute(e, f.exact, (v, w) => v === w);
  if ('prefix' in f) return eachAttribute(e, f.prefix, (v, w) => v.startsWith(w));
  if ('suffix' in f) return eachAttribute(e, f.suffix, (v, w) => v.endsWith(w));
  if ('all' in f || 'any' in f) {
    if (depth >= MAX_FILTER_DEPTH) throw UNUSABLE;
    return 'all' in f ? f.all.every((sub) => matchesAt(sub, e, depth + 1, budget)) : f.any.some((sub) => matchesAt(sub, e, depth + 1, budget));
  }
  if ('sql' in f) {
    const p = program(f.sql);
    if (p === null) throw UNUSABLE;
    return cesqlMatches(p, e, budget);
  }
  if (depth >= MAX_FILTER_DEPTH) throw UNUSABLE;
  return !matchesAt(f.not, e, depth + 1, budget);
}
