/**
 * Counters and timings. The providers write them as log lines (shared/metrics: CloudWatch EMF on
 * AWS, JSON lines elsewhere). Tags become CloudWatch dimensions and log-based-metric labels, each
 * distinct combination a billed metric: tag with configuration names, enums and error codes,
 * never an id, a client address or anything a request chose (shared/metrics/tags.ts buckets those).
 */
export interface Metrics {
  count(name: string, value?: number, tags?: Record<string, string>): void;
  timing(name: string, ms: number, tags?: Record<string, string>): void;
}

export const noMetrics: Metrics = { count: () => undefined, timing: () => undefined };
