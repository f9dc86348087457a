/** Counters and timings; emitted as structured log lines by default (CloudWatch EMF-friendly). */
export interface Metrics {
  count(name: string, value?: number, tags?: Record<string, string>): void;
  timing(name: string, ms: number, tags?: Record<string, string>): void;
}

export const noMetrics: Metrics = { count: () => undefined, timing: () => undefined };
