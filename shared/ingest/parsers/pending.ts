/**
 * Results that arrive before the context they need (a SARIF run's `tool`, listed after its
 * `results`; a Trivy result's Target): held, up to a cap, until the context is complete. JSON
 * object keys have no order, so such reports are valid; beyond the cap, holding them would
 * break the bounded-memory promise, so the parser refuses the report instead of growing.
 */
import { ReportError, type ReportFormat } from '../types';

/** Results held per scope before refusing; a few MB of typical results. */
export const MAX_PENDING = 5000;

export class Pending<T> {
  private items: T[] = [];

  constructor(private readonly format: ReportFormat, private readonly what: string, private readonly pointer: string, private readonly max = MAX_PENDING) {}

  push(item: T): void {
    if (this.items.length >= this.max) {
      throw new ReportError('report_unsupported', `More than ${this.max} results precede ${this.what}; list ${this.what} first to stream this report`, this.format, this.pointer);
    }
    this.items.push(item);
  }

  /** The held items, in arrival order; the holder is empty afterwards. */
  drain(): T[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}
