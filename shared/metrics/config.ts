import * as z from 'zod/mini';

/**
 * A CloudWatch namespace (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html):
 * up to 255 ASCII letters, digits and `. - _ / # :` or spaces, not only spaces, never under `AWS/`.
 * The same name labels the JSON metric lines of the other runtimes, so it is checked everywhere.
 */
const NAMESPACE = /^(?!AWS\/)(?=.*\S)[0-9A-Za-z.\-_/#: ]{1,255}$/;

/**
 * `metrics`: the counters of the `Metrics` port as log lines (CloudWatch EMF on AWS, JSON lines
 * elsewhere). Both keys are optional; see `metricsSettings` for the defaults.
 */
export const metricsSchema = z.strictObject({
  /** Unset: on for the clouds; locally only with `logLevel: debug` (the console is for people). */
  enabled: z.optional(z.boolean()),
  /** The CloudWatch namespace, also written on every JSON metric line (default `Secorch`). */
  namespace: z.optional(z.string().check(z.regex(NAMESPACE, 'a CloudWatch namespace: 1 to 255 characters of A-Z a-z 0-9 . - _ / # : and space, not starting with AWS/'))),
});

export type MetricsConfig = z.output<typeof metricsSchema>;

export const DEFAULT_NAMESPACE = 'Secorch';

/** The section with its defaults; `onByDefault` is the runtime's choice when `enabled` is unset. */
export const metricsSettings = (config: MetricsConfig | undefined, onByDefault: boolean): { enabled: boolean; namespace: string } => ({
  enabled: config?.enabled ?? onByDefault,
  namespace: config?.namespace ?? DEFAULT_NAMESPACE,
});
