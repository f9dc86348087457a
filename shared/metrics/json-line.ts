import type { Unit } from './emf';
import type { Tags } from './tags';

/**
 * Writes one metric as a JSON log line, shaped like the logger's lines (time, level, msg first),
 * for runtimes without an embedded metric format: Cloud Logging parses JSON on stdout into
 * `jsonPayload` (log-based metrics take labels from `jsonPayload.tags.*`); Application Insights
 * keeps the line as a trace `message` (Kusto: `parse_json(message)`). Tags are nested so that no
 * tag can shadow a field of the line.
 *
 * As for EMF (./emf.ts), the parts that only depend on the metric are serialized once, and the
 * time's ISO form (about half a microsecond) is reused within one millisecond.
 */
export function jsonLineWriter(namespace: string, runtime: string): (name: string, unit: Unit, value: number, tags: Tags, timestamp: number) => string {
  const heads = new Map<string, string>();
  const tail = `,"namespace":${JSON.stringify(namespace)},"runtime":${JSON.stringify(runtime)},"tags":{`;
  let lastMs = Number.NaN;
  let lastIso = '';
  return (name, unit, value, tags, timestamp) => {
    const id = `${unit}\0${name}`;
    let head = heads.get(id);
    if (head === undefined) heads.set(id, (head = `"level":"info","msg":"metric","metric":${JSON.stringify(name)},"unit":${JSON.stringify(unit)}`));
    if (timestamp !== lastMs) {
      lastMs = timestamp;
      lastIso = new Date(timestamp).toISOString();
    }
    let line = `{"time":"${lastIso}",${head},"value":${value}${tail}`;
    let first = true;
    for (const key in tags) {
      line += `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(tags[key])}`;
      first = false;
    }
    return `${line}}}`;
  };
}
