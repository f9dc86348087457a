/**
 * Whether a SARIF log says its scan ran, for a report without results. SARIF 2.1.0 tells a failed
 * scan from a clean one: `runs` null means the producer failed (3.13.4); a run's `results` absent
 * or null means the tool failed to start or to begin its analysis, and `[]` that it found nothing
 * (3.14.23); an invocation with `executionSuccessful: false` failed (3.20.14), and so did one
 * with a `toolExecutionNotifications` entry of level `error` ("SHALL mean that the run failed",
 * 3.20.21), which also says why. Read as report_empty, the documented "clean scan", a scanner
 * that crashed every night looked like a clean one: such a report is report_scan_failed instead.
 */
import { obj, str } from '../../mappers/read';
import { ReportError } from '../types';

/** Paths the parser selects for this (a flag, and notifications one at a time). */
export const OUTCOME_PATHS = ['$.runs.*.invocations.*.executionSuccessful', '$.runs.*.invocations.*.toolExecutionNotifications.*'];

/** The notification quoted in the reason is cut to this many characters. */
const MAX_QUOTED = 200;

const cut = (s: string): string => (s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s);

interface Failure {
  reason: string;
  pointer: string;
}

export class SarifOutcome {
  private first: Failure | undefined;
  private results: 'array' | 'null' | undefined;
  private failed: number[] = [];
  private errors = new Map<number, string>();

  /** `runs` is null. */
  producerFailed(): void {
    this.first ??= { reason: '`runs` is null: the SARIF producer failed', pointer: '/runs' };
  }

  /** A run starts: what the previous one said is already judged. */
  startRun(): void {
    this.results = undefined;
    this.failed = [];
    this.errors = new Map();
  }

  /** The run's `results` starts with `[` (an array) or is null. */
  onResults(isArray: boolean): void {
    this.results = isArray ? 'array' : 'null';
  }

  /** `invocations[index].executionSuccessful`. */
  onExecutionSuccessful(index: number, value: unknown): void {
    if (value === false) this.failed.push(index);
  }

  /** One of `invocations[index].toolExecutionNotifications`: the first error says why the tool failed. */
  onNotification(index: number, value: unknown): void {
    const n = obj(value);
    const text = str(obj(n?.message)?.text);
    if (n?.level === 'error' && text !== undefined && !this.errors.has(index)) this.errors.set(index, cut(text));
  }

  /** The run closed: remembers the first run that did not complete. */
  endRun(run: number, tool: string | undefined): void {
    if (this.first !== undefined) return;
    const name = `run ${run}${tool ? ` (${tool})` : ''}`;
    const invocation = this.failed[0];
    const erred = [...this.errors.keys()][0];
    if (invocation !== undefined) {
      const why = this.errors.get(invocation);
      this.first = { reason: `${name} did not complete: executionSuccessful is false${why === undefined ? '' : ` (${why})`}`, pointer: `/runs/${run}/invocations/${invocation}` };
    } else if (erred !== undefined) {
      this.first = { reason: `${name} did not complete: the tool reported an error (${this.errors.get(erred)!})`, pointer: `/runs/${run}/invocations/${erred}/toolExecutionNotifications` };
    } else if (this.results !== 'array') {
      this.first = { reason: `${name} has no \`results\` (${this.results === 'null' ? 'null' : 'absent'}): the tool failed to start or to begin its analysis`, pointer: `/runs/${run}/results` };
    }
  }

  /** report_scan_failed when a run did not complete, for a report that yielded no finding. */
  failure(): ReportError | undefined {
    return this.first && new ReportError('report_scan_failed', `Not a clean scan: ${this.first.reason}`, 'sarif', this.first.pointer);
  }
}
