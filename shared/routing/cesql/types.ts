/**
 * Types of the CloudEvents SQL Expression Language 1.0 (CESQL), see
 * ../shared/fixtures/cloudevents/subscriptions/cesql-spec.md (upstream: cloudevents/spec cesql/spec.md).
 */

/** Spec 3.1: the three primitive types. A Set only exists as the right operand of IN. */
export type CesqlType = 'Boolean' | 'Integer' | 'String';
export type CesqlValue = boolean | number | string;

/**
 * Spec 3.3 error types, spelled as the TCK spells them (cesql_tck/README.md) so tests can compare.
 * `generic` is unused by the built-ins but part of the required set.
 */
export type CesqlErrorKind =
  | 'parse'
  | 'math'
  | 'cast'
  | 'missingAttribute'
  | 'missingFunction'
  | 'functionEvaluation'
  | 'generic';

export interface CesqlError {
  kind: CesqlErrorKind;
  message: string;
  /** Offset in the expression (0-based) of the node that raised it. */
  position: number;
}

/** Spec 3.1 zero values: what an operator or function returns when it cannot compute a value. */
export const ZERO: Readonly<Record<CesqlType, CesqlValue>> = { Boolean: false, Integer: 0, String: '' };

export const typeOf = (v: CesqlValue): CesqlType =>
  typeof v === 'boolean' ? 'Boolean' : typeof v === 'number' ? 'Integer' : 'String';

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;
export const isInt32 = (n: number): boolean => Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX;

/**
 * Guards against hostile expressions (subscriptions are user input). The parser, the evaluator and
 * the AST walks are recursive, so the syntax tree is capped at MAX_NESTING_DEPTH levels, counting
 * binary operators (a chain `1+1+...+1` of n operators is n levels), NOT, unary minus, LIKE, IN,
 * parentheses and function calls: far below any stack limit, far above real filters (a long list
 * of alternatives is `type IN ('a', 'b', ...)`, one level). The length cap bounds the AST size.
 */
export const MAX_EXPRESSION_LENGTH = 4096;
export const MAX_NESTING_DEPTH = 64;

/** LIKE patterns are compiled at parse time: code points plus the two wildcards (spec 3.4.3). */
export const ANY_ONE = Symbol('_');
export const ANY_MANY = Symbol('%');
export type LikeToken = string | typeof ANY_ONE | typeof ANY_MANY;

export type BinaryOp = '*' | '/' | '%' | '+' | '-' | '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR' | 'XOR';

/** The AST. Every node keeps its offset so evaluation errors point into the expression. */
export type Node =
  | { kind: 'literal'; pos: number; value: CesqlValue }
  | { kind: 'attribute'; pos: number; name: string }
  | { kind: 'exists'; pos: number; name: string }
  | { kind: 'not'; pos: number; operand: Node }
  | { kind: 'negate'; pos: number; operand: Node }
  | { kind: 'binary'; pos: number; op: BinaryOp; left: Node; right: Node }
  | { kind: 'like'; pos: number; operand: Node; pattern: LikeToken[]; negated: boolean }
  | { kind: 'in'; pos: number; operand: Node; set: Node[]; negated: boolean }
  | { kind: 'call'; pos: number; name: string; args: Node[] };

/** A compiled expression: parse once (when a subscription is stored), evaluate per event. */
export interface CesqlProgram {
  readonly source: string;
  readonly ast: Node;
  /** `NAME/arity` of invocations no built-in can dispatch (each evaluates to a missingFunction error). */
  readonly missingFunctions: readonly string[];
}

/** Thrown by the lexer and parser; compileCesql turns it into `{ ok: false }`. */
export class CesqlParseError extends Error {
  constructor(readonly position: number, detail: string) {
    super(`parse error at position ${position}: ${detail}`);
    this.name = 'CesqlParseError';
  }
}
