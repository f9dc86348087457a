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

/**
 * Longest LIKE pattern, in code points of the string literal. The matcher (like-match.ts) is
 * linear in the value for `%` and literal text; a segment with `_` between two `%` is searched
 * with a bit-parallel automaton costing one 32-bit word per 32 code points of segment per value
 * character, so this cap keeps that at most 8 words: a 1 MiB subject against the worst pattern is
 * about 8 million word operations, not the value x pattern steps of a backtracking matcher. Real
 * patterns (types, sources, subjects with a wildcard or two) are far shorter. Longer patterns are
 * refused at validation (a parse error, so `422 invalid_subscription`), which the author sees; the
 * work budget (budget.ts) bounds the number of LIKE per evaluation, not the cost of one.
 */
export const MAX_LIKE_PATTERN_LENGTH = 256;

/**
 * A compiled LIKE pattern (spec 3.4.3): the pattern split at `%` into fixed-length segments.
 * Without `%` there is one segment, which must match the whole value; with `%` the first segment
 * is anchored at the start, the last at the end, and the ones in between are found leftmost
 * first, in order (greedy leftmost is exact when the only variable-length wildcard is `%`).
 */
export interface LikePattern {
  readonly segments: readonly LikeSegment[];
  /**
   * Work units (budget.ts) per code unit of the value, an upper bound of likeMatches' work charged
   * before it runs: 0 without a middle segment (the first and last are compared in place, in
   * pattern-bounded time), else 1 for a literal search and an automaton's words per state.
   */
  readonly cost: number;
}

export interface LikeSegment {
  /** Length in code points: every literal character and every `_` is one. */
  readonly cps: number;
  /** Literal runs (strings) and counts of consecutive `_` (numbers), in order. */
  readonly parts: readonly (string | number)[];
  /** The whole segment, when it has no `_` and no lone surrogate at an edge: found with indexOf. */
  readonly literal?: string;
  /** Otherwise, for a search (middle segments only): a Shift-And automaton, see like-match.ts. */
  readonly automaton?: LikeAutomaton;
}

export interface LikeAutomaton {
  /** 32-bit words per state: ceil(cps / 32). */
  readonly words: number;
  /** Per code point of the segment: bit j set when position j accepts it (that code point or `_`). */
  readonly masks: ReadonlyMap<number, Int32Array>;
  /** Mask of any other code point: the `_` positions. */
  readonly other: Int32Array;
  /** The longest literal run and its offset in code points: no match starts before it is found. */
  readonly anchor?: { readonly run: string; readonly offset: number };
}

export type BinaryOp = '*' | '/' | '%' | '+' | '-' | '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR' | 'XOR';

/** The AST. Every node keeps its offset so evaluation errors point into the expression. */
export type Node =
  | { kind: 'literal'; pos: number; value: CesqlValue }
  | { kind: 'attribute'; pos: number; name: string }
  | { kind: 'exists'; pos: number; name: string }
  | { kind: 'not'; pos: number; operand: Node }
  | { kind: 'negate'; pos: number; operand: Node }
  | { kind: 'binary'; pos: number; op: BinaryOp; left: Node; right: Node }
  | { kind: 'like'; pos: number; operand: Node; pattern: LikePattern; negated: boolean }
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
