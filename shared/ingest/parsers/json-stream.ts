/**
 * Bytes -> selected JSON values, without holding the document: @streamparser/json's Tokenizer
 * and TokenParser with `paths` (the values we want, e.g. `$.runs.*.results.*`) and
 * `keepStack: false`, so each selected value is dropped from its parent once handed over and
 * memory holds one result at a time. A ShapeWatcher sees the tokens too, for the schema checks
 * and run boundaries the selected values cannot show. https://github.com/juanjoDiaz/streamparser-json
 */
import { TokenParser, TokenParserError, Tokenizer, TokenizerError, type ParsedElementInfo } from '@streamparser/json';
import { ReportError, type ReportFormat } from '../types';
import { JsonLimits } from './json-limits';
import { watchShape, type PathKey, type ShapeWatcher } from './shape';

export interface JsonStreamSpec<T> {
  /** JSONPath-like selectors of @streamparser/json (`$`, keys and `*`). */
  paths: string[];
  shape?: ShapeWatcher;
  /** A selected value, complete; push what it yields to `out`. */
  onValue(info: ParsedElementInfo, out: T[]): void;
  /** The document is complete: push anything held back. */
  onDocumentEnd?(out: T[]): void;
}

/** The keys from the root to a selected value, e.g. ['runs', 0, 'results', 12]. */
export function pathOf(info: ParsedElementInfo): PathKey[] {
  const out: PathKey[] = [];
  for (let i = 1; i < info.stack.length; i++) out.push(info.stack[i]!.key as PathKey);
  out.push(info.key as PathKey);
  return out;
}

/**
 * The longest run of bytes without a token (one string or number, or whitespace) a report may
 * hold. The tokenizer buffers a whole string before handing it over, and past V8's string
 * length limit (about 512 MiB) it throws a plain error that reads as a failed read, retried until
 * the dead-letter queue; far below that, one value would take the memory streaming saves.
 */
export const MAX_TOKEN_BYTES = 32 * 1024 * 1024;

const asReportError = (e: unknown, format: ReportFormat): unknown =>
  e instanceof TokenizerError || e instanceof TokenParserError
    ? new ReportError('report_invalid', `Malformed JSON: ${e.message}`, format)
    : e;

/**
 * Yields what the spec's handlers push to `out` (the array `specFor` receives), chunk by chunk. Malformed or truncated JSON becomes
 * report_invalid; ReportErrors thrown by the handlers and errors of the source pass unchanged.
 */
export async function* streamJson<T>(
  body: AsyncIterable<Uint8Array>,
  format: ReportFormat,
  specFor: (out: T[]) => JsonStreamSpec<T>,
): AsyncGenerator<T> {
  const out: T[] = [];
  const spec = specFor(out);
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths: spec.paths, keepStack: false });
  parser.onValue = (info) => spec.onValue(info, out);
  const watch = spec.shape && watchShape(spec.shape);
  // Nesting depth and the size of one selected value (json-limits.ts), checked before the parser grows.
  const limits = new JsonLimits(spec.paths, format);
  // Byte offsets: where the last token started, and how much has been written.
  let lastToken = 0;
  let written = 0;
  tokenizer.onToken = watch === undefined ? (t) => {
    lastToken = t.offset;
    limits.onToken(t);
    parser.write(t);
  } : (t) => {
    lastToken = t.offset;
    limits.onToken(t);
    parser.write(t);
    watch(t);
  };
  try {
    for await (const chunk of body) {
      tokenizer.write(chunk);
      written += chunk.byteLength;
      if (written - lastToken > MAX_TOKEN_BYTES) {
        throw new ReportError('report_invalid', `A string or number longer than ${MAX_TOKEN_BYTES} bytes, at byte ${lastToken}`, format);
      }
      limits.check(written);
      if (out.length > 0) yield* out.splice(0);
    }
    tokenizer.end();
  } catch (e) {
    throw asReportError(e, format);
  }
  if (!parser.isEnded) throw new ReportError('report_invalid', 'Malformed JSON: the report ends before its document does', format);
  spec.onDocumentEnd?.(out);
  yield* out;
}
