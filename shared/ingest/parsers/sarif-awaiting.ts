/**
 * Results of a SARIF run that cite their file by artifact index alone (3.4.5, no `uri` beside
 * it), read before the run's `artifacts` (JSON member order is free, so a run may list them
 * last). Mapped at once, such a result would have no file and a fingerprint made of the index,
 * not the URI: another uid than the same result gets when the artifacts come first. So it is
 * held until the artifacts are read or the run ends, within the bounds of pending.ts (a count
 * and estimated heap bytes). Beyond them a result is mapped at once with its index, as if its
 * artifact had been dropped (sarif-budget.ts), and counted: if the artifacts then come, the
 * report carries an `artifacts_late` warning. A run without artifacts loses nothing by it.
 */
import type { Json } from '../../mappers/read';
import { valueCost } from './heap-cost';
import { MAX_PENDING, MAX_PENDING_BYTES, Pending } from './pending';
import type { ReportWarnings } from './warnings';

const MIB = 1024 * 1024;

export class AwaitingArtifacts {
  private readonly held: Pending<[Json, string]>;
  private early = 0;
  private firstEarly: string | undefined;
  private late = 0;

  constructor(private readonly run: number) {
    this.held = new Pending('sarif', 'the artifacts', `/runs/${run}/artifacts`);
  }

  /** Holds the result; false when the bounds are reached: map it now, with its index. */
  hold(result: Json, pointer: string): boolean {
    if (this.held.tryPush([result, pointer], valueCost(result))) return true;
    this.early += 1;
    this.firstEarly ??= pointer;
    return false;
  }

  /** The run's artifacts are read: the held results, to map now. Those mapped before them lost their URI. */
  artifactsRead(): [Json, string][] {
    this.late = this.early;
    return this.held.drain();
  }

  /** The run ended without (more) artifacts: the held results, to map as they are. */
  drain(): [Json, string][] {
    return this.held.drain();
  }

  /** At the end of the run: records the results that were mapped before the artifacts they cite. */
  report(warnings: ReportWarnings): void {
    if (this.late === 0) return;
    const reason = `${this.late} results of run ${this.run} from here on cite an artifact by index beyond the ${MAX_PENDING} results or ${MAX_PENDING_BYTES / MIB} MiB held until the run's artifacts are read; list the artifacts before the results`;
    warnings.add('artifacts_late', this.firstEarly!, reason, this.late);
  }
}
