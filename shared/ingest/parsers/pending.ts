/**
 * Results that arrive before the context they need (a SARIF run's `tool`, listed after its
 * `results`; a Trivy result's Target): held, up to a cap, until the context is complete. JSON
 * object keys have no order, so such reports are valid; beyond the cap, holding them would
 * break the bounded-memory promise, so the parser refuses the report instead of growing.
 * The cap is a count (report_unsupported: list the context first) and estimated heap bytes
 * (heap-cost.ts; report_too_large, at the result that crossed it): each result may take up to
 * 16 MB of JSON (json-limits.ts), so MAX_PENDING of them alone could hold 80 GB.
 */
import { ReportError, type ReportFormat } from '../types';

/** Results held per scope before refusing; a few MB of typical results. */
export const MAX_PENDING = 5000;
/**
 * Estimated heap bytes held per scope before refusing. A typical SARIF result (a message, one
 * location with a snippet, fingerprints: ~600 bytes of JSON) is estimated at ~2.6 kB (~1.1 kB
 * measured), and one with a code flow (SARIF's tutorial) at ~14.4 kB: MAX_PENDING of either fit,
 * so a real report written with its keys sorted (`results` before `tool`: Go maps, `jq -S`) meets
 * the count first, as before this bound. Only results far larger than a code flow meet it. The
 * estimate is about 2.4 times the measured heap: this holds about 40 MiB.
 */
export const MAX_PENDING_BYTES = 96 * 1024 * 1024;

const MIB = 1024 * 1024;

export class Pending<T> {
  private items: T[] = [];
  private bytes = 0;

  constructor(
    private readonly format: ReportFormat,
    private readonly what: string,
    private readonly pointer: string,
    private readonly max = MAX_PENDING,
    private readonly maxBytes = MAX_PENDING_BYTES,
  ) {}

  /** Holds `item`, estimated at `bytes` (heap-cost.ts valueCost), found at `at` (a JSON Pointer). */
  push(item: T, bytes: number, at: string): void {
    if (this.items.length >= this.max) {
      throw new ReportError('report_unsupported', `More than ${this.max} results precede ${this.what}; list ${this.what} first to stream this report`, this.format, this.pointer);
    }
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) {
      throw new ReportError(
        'report_too_large',
        `The results that precede ${this.what} take more than ${this.maxBytes / MIB} MiB (at ${at}); list ${this.what} first to stream this report`,
        this.format,
        at,
      );
    }
    this.items.push(item);
  }

  /** Holds `item` when it fits within both caps and returns true; else holds nothing and returns false. */
  tryPush(item: T, bytes: number): boolean {
    if (this.items.length >= this.max || this.bytes + bytes > this.maxBytes) return false;
    this.bytes += bytes;
    this.items.push(item);
    return true;
  }

  /** The held items, in arrival order; the holder is empty afterwards. */
  drain(): T[] {
    const out = this.items;
    this.items = [];
    this.bytes = 0;
    return out;
  }
}
