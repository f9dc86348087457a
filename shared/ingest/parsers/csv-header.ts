/**
 * Recognizes a CSV report by its header row (RFC 4180 files with a header line): the first
 * line, split on the delimiter it uses most (`,`, `;` or tab), must name a title, rule or cve
 * column among the generic fields (generic.ts); this is what tells a findings export apart
 * from any other text file.
 */
import { canonicalField } from './generic';

const DELIMITERS = [',', ';', '\t'];

export interface CsvHeader {
  delimiter: string;
  /** The canonical field of each column, or the column's own name. */
  columns: string[];
}

/** Header names split on the delimiter, quotes removed (a header with quoted delimiters is rare). */
const split = (line: string, d: string): string[] => line.split(d).map((c) => c.trim().replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));

export function csvHeaderInfo(head: string): CsvHeader | undefined {
  const line = head.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const count = (d: string) => line.split(d).length;
  const delimiter = DELIMITERS.reduce((best, d) => (count(d) > count(best) ? d : best));
  const names = split(line, delimiter);
  const fields = names.map((n) => canonicalField(n));
  if (!fields.some((f) => f === 'title' || f === 'rule' || f === 'cve')) return undefined;
  const seen = new Set<string>();
  const columns = names.map((n, i) => {
    const f = fields[i];
    const name = f !== undefined && !seen.has(f) ? f : n;
    seen.add(name);
    return name;
  });
  return { delimiter, columns };
}
