/**
 * What a parser leaves out of a report it still ingests (a refused JSON Lines line, SARIF
 * artifacts beyond the memory budget), gathered for the report's summary: every item is counted,
 * and the first MAX_WARNING_ITEMS keep their pointer and reason, so a report of a million bad
 * lines costs a few kilobytes here and the outcome still says how many and where they start.
 */
import type { ReportWarning, ReportWarningCode } from '../types';

export const MAX_WARNING_ITEMS = 100;

/** A reason quoted in a warning is cut to this many characters (a JSON error can quote the line). */
const MAX_REASON = 200;

const MESSAGES: Record<ReportWarningCode, (count: number) => string> = {
  lines_refused: (n) => `${n} line${n === 1 ? ' was' : 's were'} refused (not a valid finding) and not ingested; the other lines were`,
  artifacts_dropped: (n) => `${n} run artifact${n === 1 ? ' was' : 's were'} beyond the memory budget and not kept: results citing one by index alone carry the index instead of its URI`,
  artifacts_late: (n) => `${n} result${n === 1 ? '' : 's'} cited an artifact by index before their run's artifacts were read, beyond what is held for them: ${n === 1 ? 'it carries' : 'they carry'} the index instead of the artifact's URI`,
};

const cut = (s: string): string => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON)}…` : s);

export class ReportWarnings {
  private readonly byCode = new Map<ReportWarningCode, { count: number; items: { pointer: string; reason: string }[] }>();

  /** `count` items left out at `pointer` (the first of them), for `reason`. */
  add(code: ReportWarningCode, pointer: string, reason: string, count = 1): void {
    let w = this.byCode.get(code);
    if (w === undefined) this.byCode.set(code, (w = { count: 0, items: [] }));
    w.count += count;
    if (w.items.length < MAX_WARNING_ITEMS) w.items.push({ pointer, reason: cut(reason) });
  }

  count(code: ReportWarningCode): number {
    return this.byCode.get(code)?.count ?? 0;
  }

  /** The first items recorded for `code`. */
  items(code: ReportWarningCode): { pointer: string; reason: string }[] {
    return this.byCode.get(code)?.items ?? [];
  }

  /** Undefined when nothing was left out, so a clean report's summary is unchanged. */
  list(): ReportWarning[] | undefined {
    if (this.byCode.size === 0) return undefined;
    return [...this.byCode].map(([code, w]) => ({ code, message: MESSAGES[code](w.count), count: w.count, items: w.items }));
  }
}
