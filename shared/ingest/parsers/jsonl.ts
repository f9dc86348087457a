/**
 * JSON Lines (https://jsonlines.org/): one finding object per line, either an ASFF finding
 * (mapped as in asff.ts) or a generic finding (generic.ts). Lines are split on the bytes
 * (streams/ndjson.ts), so memory holds one line; a line longer than MAX_LINE_BYTES, or one that
 * is not UTF-8 (utf8.ts), is refused.
 * Pointers are `line N`.
 */
import { obj } from '../../mappers/read';
import { NdjsonError, ndjsonLines } from '../../streams/ndjson';
import { ReportError, type ReportFinding } from '../types';
import { looksLikeAsff, mapAsffRecord } from './asff';
import type { ReportContext } from './finding';
import { mapGeneric, normalizeRecord } from './generic';
import { utf8Only } from './utf8';

export const MAX_LINE_BYTES = 4 * 1024 * 1024;

function parseLine(ctx: ReportContext, text: string, n: number): ReportFinding | undefined {
  const line = (n === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
  if (line === '') return undefined;
  const pointer = `line ${n}`;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new ReportError('report_invalid', `Malformed JSON: ${(e as Error).message}`, 'jsonl', pointer);
  }
  const o = obj(value);
  if (o === undefined) throw new ReportError('report_invalid', 'Each line must be a JSON object', 'jsonl', pointer);
  return looksLikeAsff(o) ? mapAsffRecord(ctx, o, pointer) : mapGeneric(ctx, normalizeRecord(o), pointer);
}

export async function* parseJsonl(body: AsyncIterable<Uint8Array>, ctx: ReportContext): AsyncGenerator<ReportFinding> {
  try {
    for await (const { n, text } of ndjsonLines(utf8Only(body, 'jsonl'), MAX_LINE_BYTES)) {
      const finding = parseLine(ctx, text, n);
      if (finding !== undefined) yield finding;
    }
  } catch (e) {
    if (!(e instanceof NdjsonError)) throw e;
    const why = e.problem === 'line_too_long' ? `Line longer than ${MAX_LINE_BYTES} bytes` : `Unreadable line (${e.problem})`;
    throw new ReportError('report_invalid', why, 'jsonl', `line ${e.line}`);
  }
}
