import type { Config } from '../config/schema';
import type { Clock } from '../ports/clock';
import { type Metrics, noMetrics } from '../ports/metrics';
import { metricsSettings } from './config';
import { emfWriter, type Unit } from './emf';
import { jsonLineWriter } from './json-line';
import { MAX_NAMES, tagGuard, type Tags } from './tags';

/** `emf` on AWS Lambda (CloudWatch extracts the metrics); `json` on the other runtimes. */
export type MetricsFormat = 'emf' | 'json';

export interface LineMetricsOptions {
  format: MetricsFormat;
  namespace: string;
  clock: Clock;
  /** Where a finished line goes: stdout in the providers, an array in tests. */
  write: (line: string) => void;
  /** Written on JSON lines, to tell runtimes apart in one log sink. */
  runtime: string;
  /** Told once per metric name the guard refuses (a programming error, never a request's fault), for MAX_NAMES names at most. */
  warn?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * Metrics as log lines, one line per call. Aggregating per invocation would write fewer lines,
 * but needs a flush at the end of every invocation in every adapter, and loses the counts of an
 * invocation that times out or crashes, the ones operators alert on. A line is written
 * synchronously, like the logger's, so nothing is left behind when Lambda freezes the process.
 */
export function lineMetrics(opts: LineMetricsOptions): Metrics {
  const guard = tagGuard();
  const line = opts.format === 'emf' ? emfWriter(opts.namespace) : jsonLineWriter(opts.namespace, opts.runtime);
  const refused = new Set<string>();
  const emit = (name: string, unit: Unit, value: number, tags: Tags | undefined) => {
    // NaN or Infinity would be written as null, which CloudWatch rejects (the whole line).
    if (!Number.isFinite(value)) return;
    const kept = guard(name, tags);
    if (!kept) {
      // Bounded like the guard's names: past MAX_NAMES refusals, the log has made the point.
      if (refused.size < MAX_NAMES && !refused.has(name)) {
        refused.add(name);
        opts.warn?.('metric name refused', { metric: name.slice(0, 300) });
      }
      return;
    }
    opts.write(line(name, unit, value, kept, opts.clock.now()));
  };
  return {
    count: (name, value = 1, tags) => emit(name, 'Count', value, tags),
    timing: (name, ms, tags) => emit(name, 'Milliseconds', ms, tags),
  };
}

/**
 * The metrics of a composition root: lines in `format` when the `metrics` section (or, unset,
 * the runtime's default) enables them, else none.
 */
export function configuredMetrics(config: Pick<Config, 'metrics'>, onByDefault: boolean, opts: Omit<LineMetricsOptions, 'namespace'>): Metrics {
  const { enabled, namespace } = metricsSettings(config.metrics, onByDefault);
  return enabled ? lineMetrics({ ...opts, namespace }) : noMetrics;
}
