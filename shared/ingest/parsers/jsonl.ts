/**
 * JSON Lines (https://jsonlines.org/): one finding object per line, either an ASFF finding
 * (mapped as in asff.ts) or a generic finding (generic.ts). Lines are split on the bytes
 * (streams/ndjson.ts), so memory holds one line. Pointers are `line N`.
 * Lines stand alone, so one bad line (malformed JSON, not an object, a finding the schema
 * refuses) is refused alone: the other lines are ingested, and the summary's `lines_refused`
 * warning counts the refused ones and gives the first lines with the reason. A file that is
 * mostly not findings is no report of findings: with no valid line, or more lines refused than
 * ingested, it is report_invalid (at the first refused line, with the count) once it has been
 * read. What concerns the file, not one line, still refuses it where it happens: a line longer
 * than MAX_LINE_BYTES, or one that is not UTF-8 (utf8.ts: the file's encoding is wrong).
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

/** Refuses the file once read when its lines are mostly not findings (see above). */
function mostlyRefused(ctx: ReportContext, ingested: number): ReportError | undefined {
  const refused = ctx.warnings.count('lines_refused');
  if (refused === 0 || refused <= ingested) return undefined;
  const first = ctx.warnings.items('lines_refused').slice(0, 3);
  const quoted = first.map((i) => `${i.pointer}: ${i.reason}`).join('; ');
  const share = ingested === 0 ? `no line is a valid finding (${refused} refused)` : `${refused} lines refused, ${ingested} ingested`;
  return new ReportError('report_invalid', `Not a report of findings: ${share} (${quoted}${refused > first.length ? '; ...' : ''})`, 'jsonl', first[0]!.pointer);
}

export async function* parseJsonl(body: AsyncIterable<Uint8Array>, ctx: ReportContext): AsyncGenerator<ReportFinding> {
  let ingested = 0;
  try {
    for await (const { n, text } of ndjsonLines(utf8Only(body, 'jsonl'), MAX_LINE_BYTES)) {
      let finding: ReportFinding | undefined;
      try {
        finding = parseLine(ctx, text, n);
      } catch (e) {
        // A ReportError is this line's verdict; anything else is a fault of ours, not the report's.
        if (!(e instanceof ReportError)) throw e;
        ctx.warnings.add('lines_refused', e.pointer ?? `line ${n}`, e.message);
        continue;
      }
      if (finding === undefined) continue;
      ingested += 1;
      yield finding;
    }
  } catch (e) {
    if (!(e instanceof NdjsonError)) throw e;
    const why = e.problem === 'line_too_long' ? `Line longer than ${MAX_LINE_BYTES} bytes` : `Unreadable line (${e.problem})`;
    throw new ReportError('report_invalid', why, 'jsonl', `line ${e.line}`);
  }
  const refused = mostlyRefused(ctx, ingested);
  if (refused) throw refused;
}
