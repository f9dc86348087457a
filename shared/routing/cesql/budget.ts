import type { CloudEvent } from '../../events/cloudevent';

/**
 * The work one filter evaluation may do. The expression length and nesting caps (types.ts) bound
 * the syntax tree, not the work: that grows with the event's attribute sizes, which the filter's
 * author does not control but can multiply. `CONCAT(x, x, ...)` with 2,000 references to a 64 KiB
 * extension (the largest a `POST /events` event carries) built 128 MB per evaluation; 400
 * `SUBSTRING(subject, 2)` over the 1 MiB subject a webhook mapper may set took seconds; and the
 * router evaluates every subscription filter of a tenant against every event, in a shared worker.
 *
 * Every operation whose cost depends on the data charges it before doing it, in units of one
 * UTF-16 code unit read, compared or produced (an automaton LIKE charges its 32-bit words per code
 * unit): string functions, LIKE, string comparisons and casts of strings to Integer. Reading an
 * object-valued extension as its JSON text is charged that text's length just after it is made
 * (its length is not known before): it overdraws by at most one such text, a quarter of the limit.
 * Work per syntax node is not charged: the length cap already bounds the node count. One unit
 * costs about 1 to 5 ns and at most a few bytes of new strings (UPPER may triple a code unit, as
 * 'ΐ' shows).
 *
 * The limit is BASE_WORK plus PASSES_PER_EVENT times the code units of the event's attributes.
 * A real filter reads each attribute once or twice (`LOWER(subject) LIKE '%x%'` is two passes over
 * one attribute), so it stays below the limit on any event, however large; the worst filter costs
 * at most about 1.25 Mi units on an event `POST /events` accepts (64 KiB) and, on a larger mapped
 * webhook event, a small multiple of the work of receiving it.
 */
export const BASE_WORK = 1024 * 1024;
export const PASSES_PER_EVENT = 4;

/** Units left for one evaluation: shared by every `sql` filter of one filter tree on one event. */
export interface WorkBudget {
  left: number;
  limit: number;
  /** The event whose share is added once, when the base runs out: the hot path never measures it. */
  event?: CloudEvent;
}

/** The budget of one evaluation against `event`. */
export function workBudget(event: CloudEvent): WorkBudget {
  return { left: BASE_WORK, limit: BASE_WORK, event };
}

/**
 * Code units of the attributes CESQL can read (the payload is not an attribute): strings, and
 * object or array values as the JSON text they read as (evaluate.ts), else an event with one large
 * object extension would give a filter that reads it once no share to read it with.
 */
function attributeUnits(event: CloudEvent): number {
  let n = 0;
  for (const [name, v] of Object.entries(event)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (typeof v === 'string') n += v.length;
    else if (typeof v === 'object' && v !== null) n += JSON.stringify(v).length;
  }
  return n;
}

/**
 * The evaluation ran out of budget. Not a value with an error list like the spec's errors: the
 * evaluation stops where it is, in either mode, because finishing it is the cost being refused.
 * evaluateCesql reports it as a GenericError (spec 3.3: any error not specified above).
 */
export class CesqlBudgetExceeded extends Error {
  constructor(
    readonly limit: number,
    /** Offset in the expression of the operation that would have exceeded it. */
    readonly position: number,
  ) {
    super(`evaluation stopped at position ${position}: it would exceed its work budget of ${limit} units for this event`);
    this.name = 'CesqlBudgetExceeded';
  }
}

/** Charges `units`; throws before the work is done when the budget cannot cover it. */
export function charge(budget: WorkBudget, units: number, position: number): void {
  if ((budget.left -= units) < 0) overdrawn(budget, position);
}

function overdrawn(budget: WorkBudget, position: number): void {
  if (budget.event) {
    const extra = PASSES_PER_EVENT * attributeUnits(budget.event);
    budget.event = undefined;
    budget.left += extra;
    budget.limit += extra;
    if (budget.left >= 0) return;
  }
  throw new CesqlBudgetExceeded(budget.limit, position);
}
