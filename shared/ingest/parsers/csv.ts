/**
 * CSV reports: a header row (csv-header.ts) then one generic finding per row, streamed through
 * csv-parse (https://csv.js.org/parse/) so memory holds one record. Rows whose field count
 * differs from the header's, or longer than MAX_RECORD_BYTES, and lines that are not UTF-8
 * (utf8.ts) are report_invalid at `line N`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import type { Json } from '../../mappers/read';
import { ReportError, type ReportFinding } from '../types';
import { csvColumns } from './csv-header';
import type { ReportContext } from './finding';
import { mapGeneric, normalizeRecord } from './generic';
import { utf8Only } from './utf8';

export const MAX_RECORD_BYTES = 1024 * 1024;

export async function* parseCsv(body: AsyncIterable<Uint8Array>, ctx: ReportContext, delimiter: string): AsyncGenerator<ReportFinding> {
  const parser = parse({
    bom: true,
    delimiter,
    trim: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    info: true,
    // The header's cells as csv-parse read them (quotes removed, a quoted delimiter kept): joined
    // again and split on the delimiter, `"Rule, ID"` became two columns and every row too short.
    columns: (header: string[]) => csvColumns(header) ?? header,
  });
  // pipeline() ends or destroys the parser with the source's error (report_too_large, I/O).
  const done = pipeline(Readable.from(utf8Only(body, 'csv')), parser);
  done.catch(() => undefined);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Json; info: { lines: number } }>) {
      yield mapGeneric({ ...ctx, format: 'csv' }, normalizeRecord(record), `line ${info.lines}`);
    }
    await done;
  } catch (e) {
    if (e instanceof CsvError) throw new ReportError('report_invalid', `Malformed CSV: ${e.message}`, 'csv', 'lines' in e ? `line ${String(e.lines)}` : undefined);
    throw e;
  } finally {
    parser.destroy();
  }
}
