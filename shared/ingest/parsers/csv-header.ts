/**
 * Recognizes a CSV report by its header row (RFC 4180 files with a header line): the first
 * line, split on the delimiter it uses most outside quotes (`,`, `;` or tab), must name a title,
 * rule or cve column among the generic fields (generic.ts); this is what tells a findings export
 * apart from any other text file. csv.ts names the columns of the header csv-parse read with
 * csvColumns, so detection and parsing read the same header the same way.
 */
import { canonicalField } from './generic';

const DELIMITERS = [',', ';', '\t'];

export interface CsvHeader {
  delimiter: string;
  /** The canonical field of each column, or the column's own name. */
  columns: string[];
}

/** The cells of one header line (RFC 4180 quoting: `"a, b"` is one cell, `""` a quote), trimmed. */
function cells(line: string, d: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (line[i + 1] === '"') cell += line[++i];
      else quoted = false;
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (c === d) {
      out.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  out.push(cell.trim());
  return out;
}

/** A column named `id` alone (ID, Id): not `finding_id` or `uid`, which always name the finding's own id. */
const isBareId = (name: string): boolean => name.toLowerCase().replace(/[\s_.-]/g, '') === 'id';

/**
 * The generic field each header cell names (else the cell itself; a field named twice is kept
 * under its first column), or undefined when no column names a title, rule or cve. A bare `id`
 * column names the rule when no other column does: CSV exports write the rule or advisory id of
 * a row (which repeats across rows) as often as its own, and read as the finding's own id, a
 * repeated one would make distinct findings one. Beside a rule column, `id` is the row's own id.
 */
export function csvColumns(names: readonly string[]): string[] | undefined {
  const fields = names.map((n) => canonicalField(n));
  if (!fields.includes('rule')) {
    const id = names.findIndex(isBareId);
    if (id !== -1) fields[id] = 'rule';
  }
  if (!fields.some((f) => f === 'title' || f === 'rule' || f === 'cve')) return undefined;
  const seen = new Set<string>();
  return names.map((n, i) => {
    const f = fields[i];
    const name = f !== undefined && !seen.has(f) ? f : n;
    seen.add(name);
    return name;
  });
}

/** How often `d` occurs outside quotes (a quote opens or closes quoting; `""` does both). */
function count(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n += 1;
  }
  return n;
}

export function csvHeaderInfo(head: string): CsvHeader | undefined {
  // Empty lines before the header are skipped, as csv-parse skips them (skip_empty_lines).
  const line = head.replace(/^\uFEFF/, '').replace(/^(?:\r?\n)+/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = DELIMITERS.reduce((best, d) => (count(line, d) > count(line, best) ? d : best));
  const columns = csvColumns(cells(line, delimiter));
  return columns === undefined ? undefined : { delimiter, columns };
}
