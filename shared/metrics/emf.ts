import type { Tags } from './tags';

export type Unit = 'Count' | 'Milliseconds';

/**
 * Writes CloudWatch Embedded Metric Format documents
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * one metric per document, one dimension set made of the tags (string members at the root, 30
 * at most: the guard's job), the value as a number member named like the metric. Lambda sends
 * stdout to CloudWatch Logs, which extracts the metric: no API call, no agent.
 *
 * The directive is the same for every count of one metric with one set of tag names, so it is
 * serialized once and reused: this halves the cost of a count against JSON.stringify of the
 * whole document. Its cache is bounded by the call sites (names and tag names come from code).
 */
export function emfWriter(namespace: string): (name: string, unit: Unit, value: number, tags: Tags, timestamp: number) => string {
  const directives = new Map<string, string>();
  return (name, unit, value, tags, timestamp) => {
    const keys = Object.keys(tags);
    const id = `${unit}\0${name}\0${keys.join('\0')}`;
    let directive = directives.get(id);
    if (directive === undefined) {
      directive = JSON.stringify([{ Namespace: namespace, Dimensions: [keys], Metrics: [{ Name: name, Unit: unit }] }]);
      directives.set(id, directive);
    }
    let line = `{"_aws":{"Timestamp":${timestamp},"CloudWatchMetrics":${directive}}`;
    for (const key of keys) line += `,${JSON.stringify(key)}:${JSON.stringify(tags[key])}`;
    // The value last; the guard has refused a tag named like the metric. Finite numbers only
    // reach here, and a finite number's string form is valid JSON.
    return `${line},${JSON.stringify(name)}:${value}}`;
  };
}
