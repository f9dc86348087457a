import { type CloudEvent } from '../../events/cloudevent';
import { type WorkBudget, charge } from './budget';
import { cast } from './cast';
import { parameterType, resolveFunction } from './functions';
import { likeMatches } from './like';
import { type BinaryOp, type CesqlError, type CesqlErrorKind, type CesqlType, type CesqlValue, type Node, ZERO, isInt32, typeOf } from './types';

/**
 * Tree-walking evaluator. Every operator is total (spec 3.3): on an error it records it and still
 * returns a value of its return type. Two modes (spec 4.1): complete evaluation collects every
 * error; fail fast throws FAIL_FAST at the first one, all a filter needs (subscriptions 3.2.4.1.2).
 *
 * Errors propagate as zero values: an operator or function whose operand raised an error returns
 * the zero value of its own return type (spec 3.2 for missing attributes, 3.3 in general). So
 * `1 / missing` is `0` with only a MissingAttributeError, and `true AND (1 != 1 / 0)` is `false`
 * with a MathError (TCK binary_logical_operators.yaml). An error an operator raises itself, such as
 * a failed implicit cast of its operand, does not stop it: it goes on with the cast's zero value,
 * which is why `NOT 10` is `true` with a CastError (TCK not_operator.yaml).
 */
export const FAIL_FAST = Symbol('cesql.failFast');

export interface EvalContext {
  event: CloudEvent;
  errors: CesqlError[];
  failFast: boolean;
  /** Charged by every operation whose cost grows with the data (budget.ts); throws when spent. */
  budget: WorkBudget;
}

function raise(ctx: EvalContext, kind: CesqlErrorKind, message: string, position: number): void {
  ctx.errors.push({ kind, message, position });
  if (ctx.failFast) throw FAIL_FAST;
}

/** Evaluates operands; `undefined` when any of them raised an error. */
function operands(nodes: readonly Node[], ctx: EvalContext): CesqlValue[] | undefined {
  const before = ctx.errors.length;
  const values = nodes.map((n) => evaluate(n, ctx));
  return ctx.errors.length > before ? undefined : values;
}

export function evaluate(node: Node, ctx: EvalContext): CesqlValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'attribute': {
      const v = readAttribute(ctx, node.name, node.pos);
      if (v !== undefined) return v;
      raise(ctx, 'missingAttribute', `attribute "${node.name}" is not in the event`, node.pos);
      // Only seen at the top level (an operator replaces it by its own zero value): a bare
      // reference has no known return type, so it is Boolean (spec 3.2).
      return false;
    }
    case 'exists':
      // Presence only: converting the value (JSON text for an object) would be work for nothing.
      return attributeValue(ctx.event, node.name) !== undefined;
    case 'not': {
      const [v] = operands([node.operand], ctx) ?? [];
      return v === undefined ? false : !as(v, 'Boolean', ctx, node.pos);
    }
    case 'negate': {
      const [v] = operands([node.operand], ctx) ?? [];
      return v === undefined ? 0 : int32(-as(v, 'Integer', ctx, node.pos), ctx, node.pos);
    }
    case 'like': {
      const [v] = operands([node.operand], ctx) ?? [];
      if (v === undefined) return false;
      const s = as(v, 'String', ctx, node.pos);
      if (node.pattern.cost > 0) charge(ctx.budget, s.length * node.pattern.cost, node.pos);
      return likeMatches(node.pattern, s) !== node.negated;
    }
    case 'in':
      return evaluateIn(node, ctx);
    case 'call':
      return evaluateCall(node, ctx);
    case 'binary':
      return evaluateBinary(node, ctx);
  }
}

/**
 * The event payload, in either of its two members, is not a context attribute: CESQL addresses
 * context attributes and extensions (spec 3.2), and the other filter dialects hide the same two
 * names (attributeString in shared/events/cloudevent.ts). Both are absent: a missingAttribute
 * error, `EXISTS` false. The grammar cannot spell `data_base64` today (identifiers are [a-z0-9],
 * spec 2.2); this still holds for any identifier rule to come and for nodes built in code.
 */
const PAYLOAD = new Set(['data', 'data_base64']);

/** The attribute's value as the event holds it; undefined when absent. Own properties only: `constructor` is not an attribute. */
function attributeValue(e: CloudEvent, name: string): unknown {
  if (PAYLOAD.has(name) || !Object.hasOwn(e, name)) return undefined;
  const v = e[name];
  return v === null ? undefined : v;
}

/**
 * Spec 3.2: every attribute and extension is addressable; values that are not a CESQL primitive
 * (e.g. a non-integer number, which CloudEvents does not allow anyway) are represented as String.
 * An object or array extension (POST /events refuses them, but the router takes any queued event
 * validateCloudEvent accepts) reads as its JSON text, charged per character like any string made
 * (budget.ts): each read makes the text anew, so without the charge `CONCAT(o, o, ...)` or a tree
 * of `o = ''` would repeat the whole value's serialisation for free.
 */
function readAttribute(ctx: EvalContext, name: string, pos: number): CesqlValue | undefined {
  const v = attributeValue(ctx.event, name);
  if (v === undefined || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return isInt32(v) ? v : String(v);
  if (typeof v !== 'object') return String(v);
  const text = JSON.stringify(v);
  charge(ctx.budget, text.length, pos);
  return text;
}

/** Implicit cast of an operand (spec 3.7); a failed cast records a CastError and yields the zero value. */
function as(v: CesqlValue, to: 'Boolean', ctx: EvalContext, pos: number): boolean;
function as(v: CesqlValue, to: 'Integer', ctx: EvalContext, pos: number): number;
function as(v: CesqlValue, to: 'String', ctx: EvalContext, pos: number): string;
function as(v: CesqlValue, to: CesqlType, ctx: EvalContext, pos: number): CesqlValue;
function as(v: CesqlValue, to: CesqlType, ctx: EvalContext, pos: number): CesqlValue {
  // Reading a String as an Integer scans it (to Boolean does not: only short strings can be one).
  if (to === 'Integer' && typeof v === 'string') charge(ctx.budget, v.length, pos);
  const r = cast(v, to, false);
  if (r.error !== undefined) raise(ctx, 'cast', r.error, pos);
  return r.value;
}

/**
 * 32-bit two's-complement results (spec 3.1). The spec defines overflow only for ABS (its
 * `2147483647` plus a MathError); we apply the same rule to `+ - * /` and unary minus: the wrapped
 * value, as Go and Java int32 arithmetic give, plus a MathError so a filter never matches on it.
 */
function int32(exact: number, ctx: EvalContext, pos: number, wrapped = exact | 0): number {
  if (!isInt32(exact)) raise(ctx, 'math', `integer overflow (${exact} is outside 32 bits)`, pos);
  return wrapped;
}

const ARITHMETIC: ReadonlySet<BinaryOp> = new Set(['+', '-', '*', '/', '%']);

function evaluateBinary(node: Extract<Node, { kind: 'binary' }>, ctx: EvalContext): CesqlValue {
  const { op, pos } = node;
  if (op === 'AND' || op === 'OR') {
    // Short-circuit (spec 3.4.2, 3.6): `false AND x` and `true OR x` never evaluate x.
    const [l] = operands([node.left], ctx) ?? [];
    if (l === undefined) return false;
    const lb = as(l, 'Boolean', ctx, pos);
    if (lb === (op === 'OR')) return lb;
    const [r] = operands([node.right], ctx) ?? [];
    return r === undefined ? false : as(r, 'Boolean', ctx, pos);
  }
  const [l, r] = operands([node.left, node.right], ctx) ?? [];
  if (l === undefined || r === undefined) return ARITHMETIC.has(op) ? 0 : false;
  switch (op) {
    case 'XOR':
      return as(l, 'Boolean', ctx, pos) !== as(r, 'Boolean', ctx, pos);
    case '=':
    case '!=':
    case '<>': {
      // `=` is ambiguous (String, Integer, Boolean): the right operand's type picks the overload
      // and the left one is cast to it (spec 3.7), so `true = 'TRUE'` compares strings.
      const equal = same(as(l, typeOf(r), ctx, pos), r, ctx, pos);
      return op === '=' ? equal : !equal;
    }
    default:
      return integerOp(op, as(l, 'Integer', ctx, pos), as(r, 'Integer', ctx, pos), ctx, pos);
  }
}

function integerOp(op: '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%', x: number, y: number, ctx: EvalContext, pos: number): CesqlValue {
  switch (op) {
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '+': return int32(x + y, ctx, pos);
    case '-': return int32(x - y, ctx, pos);
    // The double product is exact whenever it fits 32 bits, so it detects overflow; imul wraps.
    case '*': return int32(x * y, ctx, pos, Math.imul(x, y));
    case '/':
    case '%':
      if (y === 0) {
        raise(ctx, 'math', op === '/' ? 'division by zero' : 'modulo by zero', pos);
        return 0;
      }
      // Division truncates toward 0; the remainder takes the sign of x (spec 3.4.2). `| 0` drops -0.
      return op === '/' ? int32(Math.trunc(x / y), ctx, pos) : (x % y) | 0;
  }
}

/** `===`, charging the comparison of two strings of one length (of different lengths it is O(1)). */
function same(a: CesqlValue, b: CesqlValue, ctx: EvalContext, pos: number): boolean {
  if (typeof a === 'string' && typeof b === 'string' && a.length === b.length) charge(ctx.budget, a.length, pos);
  return a === b;
}

/** Spec 3.4.5: `=` semantics, with the left operand's type as the target for every element. */
function evaluateIn(node: Extract<Node, { kind: 'in' }>, ctx: EvalContext): boolean {
  const values = operands([node.operand, ...node.set], ctx);
  if (values === undefined) return false;
  const [x, ...set] = values as [CesqlValue, ...CesqlValue[]];
  let found = false;
  for (const el of set) if (same(as(el, typeOf(x), ctx, node.pos), x, ctx, node.pos)) found = true;
  return found !== node.negated;
}

function evaluateCall(node: Extract<Node, { kind: 'call' }>, ctx: EvalContext): CesqlValue {
  const f = resolveFunction(node.name, node.args.length);
  if (f === undefined) {
    // Spec 3.5: a call that cannot be dispatched is `false` with a MissingFunctionError.
    raise(ctx, 'missingFunction', `no function ${node.name} taking ${node.args.length} argument(s)`, node.pos);
    return false;
  }
  const args = operands(node.args, ctx);
  if (args === undefined) return ZERO[f.returns];
  const typed = args.map((a, i) => {
    const t = parameterType(f, i);
    return t === 'Any' ? a : as(a, t, ctx, node.args[i]!.pos);
  });
  charge(ctx.budget, f.cost(typed), node.pos);
  const out = f.impl(typed);
  if (out.error !== undefined) raise(ctx, out.error.kind, `${node.name}: ${out.error.message}`, node.pos);
  return out.value;
}
