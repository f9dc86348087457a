/**
 * JSON Lines (https://jsonlines.org/): one finding object per line, either an ASFF finding
 * (mapped as in asff.ts) or a generic finding (generic.ts). Lines are split on the bytes, so
 * memory holds one line; a line longer than MAX_LINE_BYTES is refused. Pointers are `line N`.
 */
import { obj } from '../../mappers/read';
import { ReportError, type ReportFinding } from '../types';
import { looksLikeAsff, mapAsffRecord } from './asff';
import type { ReportContext } from './finding';
import { mapGeneric, normalizeRecord } from './generic';

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
  let carry: Buffer = Buffer.alloc(0);
  let n = 0;
  for await (const chunk of body) {
    const buf: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      const finding = parseLine(ctx, buf.toString('utf8', start, nl), ++n);
      if (finding !== undefined) yield finding;
      start = nl + 1;
    }
    carry = buf.subarray(start);
    if (carry.length > MAX_LINE_BYTES) throw new ReportError('report_invalid', `Line longer than ${MAX_LINE_BYTES} bytes`, 'jsonl', `line ${n + 1}`);
  }
  const last = parseLine(ctx, carry.toString('utf8'), ++n);
  if (last !== undefined) yield last;
}
