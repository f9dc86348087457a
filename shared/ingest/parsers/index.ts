/**
 * parseReport (shared/ingest/types.ts): a report object's bytes -> finding events, one result at
 * a time. The format is detected from the content (detect.ts), then one parser per format:
 * sarif.ts (SARIF 2.1.0), trivy.ts (Trivy JSON), asff.ts (ASFF), jsonl.ts (JSON Lines of ASFF
 * or generic findings), csv.ts (CSV with a header row). Identity, keys and provenance are the
 * same for every format (finding.ts). A report with no findings at all is report_empty. What a
 * parser left out of a report it still ingested is in the summary's `warnings` (warnings.ts).
 */
import { ReportError, type ParseReport, type ReportFinding } from '../types';
import { parseAsff } from './asff';
import { limitBytes } from './bytes';
import { parseCsv } from './csv';
import { detectFormat, type Detected } from './detect';
import type { ReportContext } from './finding';
import { parseJsonl } from './jsonl';
import { parseSarif } from './sarif';
import { parseTrivy } from './trivy';
import { ReportWarnings } from './warnings';

function parserFor(d: Detected, ctx: ReportContext): AsyncGenerator<ReportFinding> {
  switch (d.format) {
    case 'sarif':
      return parseSarif(d.body, ctx);
    case 'trivy':
      return parseTrivy(d.body, ctx);
    case 'asff':
      return parseAsff(d.body, ctx, d.first);
    case 'jsonl':
      return parseJsonl(d.body, ctx);
    case 'csv':
      return parseCsv(d.body, ctx, d.delimiter ?? ',');
  }
}

export const parseReport: ParseReport = async function* parseReport(body, source, opts = {}) {
  const { maxBytes } = opts;
  if (maxBytes !== undefined && source.size !== undefined && source.size > maxBytes) {
    throw new ReportError('report_too_large', `Report of ${source.size} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  const detected = await detectFormat(maxBytes === undefined ? body : limitBytes(body, maxBytes));
  const ctx: ReportContext = { source, format: detected.format, warnings: new ReportWarnings() };
  let count = 0;
  for await (const finding of parserFor(detected, ctx)) {
    count += 1;
    yield finding;
  }
  if (count === 0) throw new ReportError('report_empty', 'The report has no results', detected.format);
  const warnings = ctx.warnings.list();
  return { format: detected.format, count, ...(warnings ? { warnings } : {}) };
};

export { ReportError } from '../types';
export { DETECT_LIMIT } from './detect';
export { canonicalField } from './generic';
