/**
 * Limits on the token stream of a report, for the memory and time streaming promises: the file
 * size alone bounds neither.
 * - Nesting depth. @streamparser/json's TokenParser keeps a stack entry per open level (some
 *   230 bytes) and, each time a value it does not select closes, scans that whole stack: 200,000
 *   levels of `[` (400 kB) took over a minute. Real reports nest a few dozen levels (a SARIF
 *   result's codeFlows, with the levels above it, are about 16); 256 is far above that.
 * - The size of one selected value (a SARIF result, a Trivy item, an ASFF finding): the parser
 *   builds each one whole before handing it over, so one 500 MB result inside a 1 GiB report
 *   would be held whole. The parts no finding reads are dropped as they stream by and may be of
 *   any size.
 * Both are report_invalid.
 */
import { TokenType, type ParsedTokenInfo } from '@streamparser/json';
import { ReportError, type ReportFormat } from '../types';
import { pointerOf, type PathKey } from './shape';

export const MAX_DEPTH = 256;
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;

/** `$.runs.*.results.*` -> ['runs', '*', 'results', '*']. */
const segmentsOf = (path: string): string[] => path.split('.').slice(1);

/**
 * Follows the keys of the document's skeleton (the levels that may lead to a selected value) and
 * only counts the nesting inside a selected value or a part no selector reaches.
 */
export class JsonLimits {
  private readonly selectors: string[][];
  private readonly keys: PathKey[] = [];
  private readonly isArray: boolean[] = [];
  private depth = 0;
  private expectKey = false;
  /** The depth below which keys are not followed (inside a selected value or an unselected part). */
  private opaqueAt: number | undefined;
  /** The selected value being built: where it starts, and its pointer. */
  private open: { at: number; pointer: string } | undefined;

  constructor(paths: string[], private readonly format: ReportFormat) {
    this.selectors = paths.map(segmentsOf);
  }

  /** Call with every token, before the token parser sees it. */
  onToken(t: ParsedTokenInfo): void {
    const type = t.token;
    if (type === TokenType.LEFT_BRACE || type === TokenType.LEFT_BRACKET) return this.start(t.offset, type === TokenType.LEFT_BRACKET);
    if (type === TokenType.RIGHT_BRACE || type === TokenType.RIGHT_BRACKET) return this.end(t.offset);
    if (this.opaqueAt !== undefined) return;
    if (type === TokenType.COMMA) {
      if (this.isArray[this.depth - 1] === true) this.keys[this.depth - 1] = (this.keys[this.depth - 1] as number) + 1;
      else this.expectKey = true;
    } else if (type === TokenType.STRING && this.expectKey) {
      this.keys[this.depth - 1] = t.value as string;
      this.expectKey = false;
    }
  }

  /** Call after each chunk: `written` bytes so far. */
  check(written: number): void {
    if (this.open !== undefined && written - this.open.at > MAX_VALUE_BYTES) throw this.tooLarge();
  }

  private start(offset: number, isArray: boolean): void {
    if (this.depth >= MAX_DEPTH) {
      throw new ReportError('report_invalid', `JSON nested deeper than ${MAX_DEPTH} levels, at byte ${offset}`, this.format);
    }
    if (this.opaqueAt === undefined) {
      const n = this.depth;
      if (this.selectors.some((s) => s.length === n && this.leadsTo(s, n))) {
        this.open = { at: offset, pointer: pointerOf(this.keys, n) };
        this.opaqueAt = n;
      } else if (!this.selectors.some((s) => s.length > n && this.leadsTo(s, n))) {
        this.opaqueAt = n;
      }
      this.isArray[n] = isArray;
      this.keys[n] = 0;
      this.expectKey = !isArray;
    }
    this.depth += 1;
  }

  private end(offset: number): void {
    this.depth -= 1;
    this.expectKey = false;
    if (this.opaqueAt !== this.depth) return;
    this.opaqueAt = undefined;
    if (this.open !== undefined && offset + 1 - this.open.at > MAX_VALUE_BYTES) throw this.tooLarge();
    this.open = undefined;
  }

  /** True when the first `n` keys of the current path match the selector's first `n` segments. */
  private leadsTo(selector: string[], n: number): boolean {
    for (let i = 0; i < n; i++) if (selector[i] !== '*' && selector[i] !== String(this.keys[i])) return false;
    return true;
  }

  private tooLarge(): ReportError {
    const pointer = this.open!.pointer;
    return new ReportError('report_invalid', `A finding larger than ${MAX_VALUE_BYTES} bytes at ${pointer}: it would have to be held whole`, this.format, pointer);
  }
}
