import { compileLike } from './like';
import { type Token, tokenize } from './lexer';
import { type BinaryOp, CesqlParseError, MAX_EXPRESSION_LENGTH, MAX_LIKE_PATTERN_LENGTH, MAX_NESTING_DEPTH, type Node, isInt32 } from './types';

/**
 * Recursive-descent parser for the CESQL grammar (spec 2), one level per row of the precedence
 * table (spec 3.6), loosest first:
 *
 *   logic    := compare (("AND" | "OR" | "XOR") compare)*     one level, left to right (spec 3.6)
 *   compare  := additive (("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") additive)*
 *   additive := multiply (("+" | "-") multiply)*
 *   multiply := postfix (("*" | "/" | "%") postfix)*
 *   postfix  := unary ("NOT"? "LIKE" string | "NOT"? "IN" "(" logic ("," logic)* ")")*
 *   unary    := "NOT" unary | "-" unary | primary
 *   primary  := literal | "EXISTS" identifier | function "(" args? ")" | identifier | "(" logic ")"
 *
 * AND, OR and XOR share one level as the spec lists them, so `a OR b AND c` is `(a OR b) AND c`,
 * unlike SQL: write the parentheses. Unary operators bind tighter than LIKE and IN, as listed.
 *
 * Depth is bounded twice (MAX_NESTING_DEPTH, see types.ts): on the way down, each recursion into a
 * sub-expression counts, so hostile nesting never exhausts the parser's stack; on the way up, every
 * node gets its height, so a left-deep chain such as `1+1+...+1`, which the loops build without
 * recursing, cannot become a tree too deep for the recursive evaluator.
 */
export function parse(src: string): Node {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new CesqlParseError(MAX_EXPRESSION_LENGTH, `expression longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  const p = new Parser(tokenize(src));
  const node = p.logic();
  p.expectEnd();
  return node;
}

const KEYWORDS = new Set(['AND', 'OR', 'XOR', 'NOT', 'LIKE', 'IN', 'EXISTS', 'TRUE', 'FALSE']);
/** Spec 2.2 (letters are matched case-insensitively like keywords: `EXISTS SOURCE` is `source`). */
const VALUE_IDENTIFIER = /^[A-Za-z0-9]+$/;
/** Spec 2.4. */
const FUNCTION_IDENTIFIER = /^[A-Za-z][A-Za-z_]*$/;
const COMPARE = ['=', '!=', '<>', '<', '<=', '>', '>='];

const describe = (t: Token): string =>
  t.t === 'end' ? 'end of expression' : t.t === 'string' ? 'string literal' : JSON.stringify(t.text);

class Parser {
  private i = 0;
  private depth = 0;
  /** Levels of operators, parentheses and calls under each node; leaves are 0 and not stored. */
  private readonly heights = new WeakMap<Node, number>();

  constructor(private readonly toks: Token[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private fail(t: Token, detail: string): never {
    throw new CesqlParseError(t.pos, detail);
  }
  private keyword(k = 0): string | undefined {
    const t = this.peek(k);
    return t.t === 'word' && KEYWORDS.has(t.text.toUpperCase()) ? t.text.toUpperCase() : undefined;
  }
  private op(k = 0): string | undefined {
    const t = this.peek(k);
    return t.t === 'op' ? t.text : undefined;
  }
  private expectOp(text: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.text !== text) this.fail(t, `expected "${text}", found ${describe(t)}`);
  }
  /** Every recursion through a sub-expression goes through here: hostile nesting is a parse error. */
  private nested<T>(at: Token, parseInner: () => T): T {
    if (++this.depth > MAX_NESTING_DEPTH) this.fail(at, `expression nested deeper than ${MAX_NESTING_DEPTH} levels`);
    const out = parseInner();
    this.depth--;
    return out;
  }
  /** Records a node one level above its tallest child; a tree taller than the cap is a parse error. */
  private level<N extends Node>(at: number, node: N, children: readonly Node[]): N {
    const height = 1 + children.reduce((max, c) => Math.max(max, this.heights.get(c) ?? 0), 0);
    if (height > MAX_NESTING_DEPTH) throw new CesqlParseError(at, `expression nested deeper than ${MAX_NESTING_DEPTH} levels`);
    this.heights.set(node, height);
    return node;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.t !== 'end') this.fail(t, `unexpected ${describe(t)}`);
  }

  logic(): Node {
    let left = this.compare();
    for (let kw = this.keyword(); kw === 'AND' || kw === 'OR' || kw === 'XOR'; kw = this.keyword()) {
      const pos = this.next().pos;
      const right = this.compare();
      left = this.level(pos, { kind: 'binary', pos, op: kw, left, right }, [left, right]);
    }
    return left;
  }

  private binaryLevel(ops: readonly string[], operand: () => Node): Node {
    let left = operand();
    for (let op = this.op(); op !== undefined && ops.includes(op); op = this.op()) {
      const pos = this.next().pos;
      const right = operand();
      left = this.level(pos, { kind: 'binary', pos, op: op as BinaryOp, left, right }, [left, right]);
    }
    return left;
  }
  private compare(): Node {
    return this.binaryLevel(COMPARE, () => this.additive());
  }
  private additive(): Node {
    return this.binaryLevel(['+', '-'], () => this.multiply());
  }
  private multiply(): Node {
    return this.binaryLevel(['*', '/', '%'], () => this.postfix());
  }

  private postfix(): Node {
    let node = this.unary();
    for (;;) {
      const negated = this.keyword() === 'NOT' && (this.keyword(1) === 'LIKE' || this.keyword(1) === 'IN');
      const kw = this.keyword(negated ? 1 : 0);
      if (kw !== 'LIKE' && kw !== 'IN') return node;
      const at = this.next();
      if (negated) this.next();
      if (kw === 'LIKE') {
        // Spec 3.4.3: the pattern MUST be a string literal, anything else is a parse error.
        const pat = this.next();
        if (pat.t !== 'string') this.fail(pat, `LIKE needs a string literal pattern, found ${describe(pat)}`);
        // Bounds the matcher's worst case (see MAX_LIKE_PATTERN_LENGTH); counted in code points.
        let cps = 0;
        for (const _ of pat.value) cps++;
        if (cps > MAX_LIKE_PATTERN_LENGTH) this.fail(pat, `LIKE pattern longer than ${MAX_LIKE_PATTERN_LENGTH} characters`);
        node = this.level(at.pos, { kind: 'like', pos: at.pos, operand: node, pattern: compileLike(pat.value), negated }, [node]);
      } else {
        const set = this.list(at, false);
        node = this.level(at.pos, { kind: 'in', pos: at.pos, operand: node, set, negated }, [node, ...set]);
      }
    }
  }

  /** `(a, b, ...)`: an IN set (at least one element, spec 2.3) or an argument list (may be empty). */
  private list(at: Token, allowEmpty: boolean): Node[] {
    return this.nested(at, () => {
      this.expectOp('(');
      const items: Node[] = [];
      if (!allowEmpty || this.op() !== ')') {
        items.push(this.logic());
        while (this.op() === ',') {
          this.next();
          items.push(this.logic());
        }
      }
      this.expectOp(')');
      return items;
    });
  }

  private unary(): Node {
    const t = this.peek();
    if (this.keyword() === 'NOT') {
      this.next();
      const operand = this.nested(t, () => this.unary());
      return this.level(t.pos, { kind: 'not', pos: t.pos, operand }, [operand]);
    }
    const op = this.op();
    if (op === '-' || op === '+') {
      this.next();
      const n = this.peek();
      if (n.t === 'number') {
        this.next();
        return this.integer(t, op === '-' ? `-${n.text}` : n.text);
      }
      if (op === '+') this.fail(t, 'unexpected "+"');
      const operand = this.nested(t, () => this.unary());
      return this.level(t.pos, { kind: 'negate', pos: t.pos, operand }, [operand]);
    }
    return this.primary();
  }

  private integer(at: Token, text: string): Node {
    const value = Number(text);
    // Spec 2.2: integer literals MUST be valid 32-bit signed integers.
    if (!isInt32(value)) this.fail(at, `integer literal ${text} is outside the 32-bit range`);
    return { kind: 'literal', pos: at.pos, value };
  }

  private primary(): Node {
    const t = this.next();
    if (t.t === 'number') return this.integer(t, t.text);
    if (t.t === 'string') return { kind: 'literal', pos: t.pos, value: t.value };
    if (t.t === 'op' && t.text === '(') {
      const inner = this.nested(t, () => this.logic());
      this.expectOp(')');
      // Parentheses make no node: the inner one stands one level taller for them.
      return this.level(t.pos, inner, [inner]);
    }
    if (t.t !== 'word') this.fail(t, `unexpected ${describe(t)}`);
    const kw = KEYWORDS.has(t.text.toUpperCase()) ? t.text.toUpperCase() : undefined;
    if (kw === 'TRUE' || kw === 'FALSE') return { kind: 'literal', pos: t.pos, value: kw === 'TRUE' };
    if (kw === 'EXISTS') return { kind: 'exists', pos: t.pos, name: this.identifier(this.next()) };
    if (kw !== undefined) this.fail(t, `unexpected keyword ${kw}`);
    if (this.op() === '(') {
      if (!FUNCTION_IDENTIFIER.test(t.text)) this.fail(t, `invalid function name ${JSON.stringify(t.text)}`);
      const args = this.list(t, true);
      return this.level(t.pos, { kind: 'call', pos: t.pos, name: t.text.toUpperCase(), args }, args);
    }
    return { kind: 'attribute', pos: t.pos, name: this.identifier(t) };
  }

  /** After EXISTS an all-digit name (legal for CloudEvents attributes) cannot be a literal. */
  private identifier(t: Token): string {
    const name = t.t === 'word' || t.t === 'number' ? t.text : '';
    if (KEYWORDS.has(name.toUpperCase()) || !VALUE_IDENTIFIER.test(name)) this.fail(t, `expected an attribute name, found ${describe(t)}`);
    return name.toLowerCase();
  }
}
