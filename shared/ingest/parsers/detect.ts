/**
 * Format detection by content, never by file name: object keys are cheap to read as they stream
 * by, and names lie (`report.json` can be any of five formats).
 * - `{` ... a top-level key decides: `runs` or a SARIF `$schema` -> sarif; `Findings` -> asff;
 *   a numeric `SchemaVersion`, `ArtifactName`, `ArtifactType` or `Results` -> trivy. Keys of one
 *   finding (an ASFF finding's `ProductArn`/`AwsAccountId`/`GeneratorId`, or the generic
 *   `title`/`rule`/`cve`) -> jsonl: the first line of a JSON Lines file.
 * - `[` ... the first element's keys: ASFF keys -> asff (an array of ASFF findings).
 * - anything else: a first line that is a CSV header naming a title or rule column -> csv.
 * - none of these, but later lines are JSON Lines findings, at least as many as the other lines
 *   (what jsonl.ts accepts of a whole file) -> jsonl: JSON Lines refuses a line that is no finding
 *   alone, and the first line is where a scanner's banner or warning lands.
 * - gzip, UTF-16/UTF-32 and other binary content is refused naming what it is (encoding.ts).
 * Only the first DETECT_LIMIT bytes are read to decide, or JSON_DETECT_LIMIT for a JSON object,
 * whose deciding key may come late: the first line of a JSON Lines file is one finding, which
 * may take MAX_LINE_BYTES, with its `title` last (keys sorted). The stream is then replayed whole.
 */
import { Tokenizer, TokenizerError, TokenType, type ParsedTokenInfo } from '@streamparser/json';
import { obj } from '../../mappers/read';
import { ReportError, type ReportFormat } from '../types';
import { looksLikeAsff } from './asff';
import { PeekableBytes } from './bytes';
import { csvHeaderInfo } from './csv-header';
import { binaryKind } from './encoding';
import { canonicalField } from './generic';
import { MAX_LINE_BYTES } from './jsonl';
import { watchShape, type PathKey } from './shape';

export const DETECT_LIMIT = 1024 * 1024;
/** How far into a report starting with `{` the keys are read: as far as a JSON Lines line may go. */
export const JSON_DETECT_LIMIT = Math.max(DETECT_LIMIT, MAX_LINE_BYTES);

export interface Detected {
  format: ReportFormat;
  /** The whole report again, from its first byte. */
  body: AsyncIterable<Uint8Array>;
  /** The first significant character: `{` or `[` for JSON documents. */
  first: string;
  /** CSV only: the delimiter the header uses. */
  delimiter?: string;
}

const ASFF_KEYS = new Set(['ProductArn', 'AwsAccountId', 'GeneratorId']);
const TRIVY_KEYS = new Set(['ArtifactName', 'ArtifactType', 'Results']);

/** A key naming one of the fields one of which a generic finding requires (generic.ts), as the CSV header check does. */
function isGenericKey(key: string): boolean {
  const field = canonicalField(key);
  return field === 'title' || field === 'rule' || field === 'cve';
}

/** The format a top-level key (with its first token) proves, if any. */
function fromRootKey(key: PathKey, t: ParsedTokenInfo): ReportFormat | undefined {
  if (key === 'runs' || (key === '$schema' && typeof t.value === 'string' && /sarif/i.test(t.value))) return 'sarif';
  if (key === 'Findings') return 'asff';
  if (TRIVY_KEYS.has(key as string) || (key === 'SchemaVersion' && t.token === TokenType.NUMBER)) return 'trivy';
  if (ASFF_KEYS.has(key as string) || key === 'SchemaVersion') return 'jsonl';
  return typeof key === 'string' && isGenericKey(key) ? 'jsonl' : undefined;
}

class Decided extends Error {
  constructor(readonly format: ReportFormat | 'empty' | 'unknown') {
    super(format);
  }
}

/** Feeds JSON bytes to a tokenizer until the keys decide the format (throws Decided). */
function jsonSniffer(first: string): (chunk: Uint8Array) => void {
  const tokenizer = new Tokenizer();
  const watch = watchShape({
    onStart(path, length, t) {
      if (first === '{' && length === 1) {
        const f = fromRootKey(path[0]!, t);
        if (f !== undefined) throw new Decided(f);
      }
      if (first === '[' && length === 1 && t.token !== TokenType.LEFT_BRACE) throw new Decided('unknown');
      if (first === '[' && length === 2 && ASFF_KEYS.has(path[1] as string)) throw new Decided('asff');
    },
    onEnd(_path, length) {
      // The root object, or the first element of the root array, closed without a deciding key;
      // the root array closing first means it has no elements.
      if (length === 0) throw new Decided(first === '[' ? 'empty' : 'unknown');
      if (length === 1 && first === '[') throw new Decided('unknown');
    },
  });
  tokenizer.onToken = watch;
  return (chunk) => tokenizer.write(chunk);
}

const decoder = new TextDecoder();

/** A JSON Lines finding's line (jsonl.ts): an ASFF finding, or a generic one naming a title, rule or cve. */
function isFindingLine(line: string): boolean {
  const text = line.trim();
  if (!text.startsWith('{')) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const o = obj(value);
  if (o === undefined) return false;
  return looksLikeAsff(o) || Object.keys(o).some(isGenericKey);
}

/**
 * Whether the lines within DETECT_LIMIT bytes are mostly JSON Lines findings, as jsonl.ts requires
 * of a whole file (no more lines refused than ingested; blank lines are neither): reads on to the
 * limit (the bytes are kept for the replay). The last line counts only when the stream ended
 * there, since a line cut at the limit may read as another.
 */
async function mostlyFindingLines(src: PeekableBytes, taken: Uint8Array[], read: number): Promise<boolean> {
  let ended = false;
  while (read <= DETECT_LIMIT) {
    const chunk = await src.take();
    if (chunk === undefined) {
      ended = true;
      break;
    }
    taken.push(chunk);
    read += chunk.byteLength;
  }
  const lines = decoder.decode(Buffer.concat(taken).subarray(0, DETECT_LIMIT)).split('\n');
  const complete = ended && read <= DETECT_LIMIT ? lines.length : lines.length - 1;
  let findings = 0;
  let others = 0;
  for (let i = 0; i < complete; i++) {
    if (lines[i]!.replace(/^\uFEFF/, '').trim() === '') continue;
    if (isFindingLine(lines[i]!)) findings += 1;
    else others += 1;
  }
  return findings > 0 && findings >= others;
}

/** Index of the first byte that is not whitespace or a UTF-8 BOM, in the bytes so far. */
function firstSignificant(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf) return i;
  }
  return -1;
}

export async function detectFormat(body: AsyncIterable<Uint8Array>): Promise<Detected> {
  const src = new PeekableBytes(body);
  let head = new Uint8Array(0);
  let sniff: ((chunk: Uint8Array) => void) | undefined;
  let first = '';
  let read = 0;
  const taken: Uint8Array[] = [];
  // What the first line alone would make of the report, when no format was found.
  let refusal: ReportError | undefined;
  try {
    while (read <= (first === '{' ? JSON_DETECT_LIMIT : DETECT_LIMIT)) {
      const chunk = await src.take();
      if (chunk === undefined) break;
      taken.push(chunk);
      read += chunk.byteLength;
      if (sniff !== undefined) sniff(chunk);
      else {
        head = Buffer.concat([head, chunk]);
        const at = firstSignificant(head);
        if (at >= 0) {
          const binary = binaryKind(head);
          if (binary !== undefined) throw await refuse(src, new ReportError('report_unsupported', binary));
          first = String.fromCharCode(head[at]!);
          if (first === '{' || first === '[') {
            sniff = jsonSniffer(first);
            sniff(head);
          } else if (head.includes(0x0a, at)) break; // the first line that is not blank is whole
        }
      }
    }
  } catch (e) {
    if (e instanceof Decided) {
      if (e.format === 'empty') refusal = new ReportError('report_empty', 'The report is an empty list');
      else if (e.format !== 'unknown') return { format: e.format, body: src.replay(), first };
    } else if (e instanceof TokenizerError) {
      refusal = new ReportError('report_invalid', `Malformed JSON: ${e.message}`);
    } else {
      await src.close();
      throw e;
    }
  }
  if (first === '') throw await refuse(src, new ReportError('report_empty', 'The report is empty'));
  if (first !== '{' && first !== '[') {
    const header = csvHeaderInfo(decoder.decode(head.subarray(0, Math.min(head.length, DETECT_LIMIT))));
    if (header !== undefined) return { format: 'csv', body: src.replay(), first, delimiter: header.delimiter };
  }
  if (await mostlyFindingLines(src, taken, read)) return { format: 'jsonl', body: src.replay(), first };
  throw await refuse(src, refusal ?? new ReportError('report_unsupported', 'Not a report format we know (SARIF, Trivy JSON, ASFF, JSON Lines or CSV)'));
}

async function refuse(src: PeekableBytes, error: ReportError): Promise<ReportError> {
  await src.close();
  return error;
}
