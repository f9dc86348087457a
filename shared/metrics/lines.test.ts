import { fixedClock } from '../ports/clock';
import { configuredMetrics, lineMetrics, type MetricsFormat } from '.';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function capture(format: MetricsFormat, namespace = 'Secorch') {
  const lines: string[] = [];
  const metrics = lineMetrics({ format, namespace, clock: fixedClock(T0), write: (l) => lines.push(l), runtime: 'test' });
  return { metrics, lines, docs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

interface Directive { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }

/**
 * The structure the EMF specification requires of a document, checked on the parsed line:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
function expectEmf(doc: Record<string, unknown>): Directive {
  const aws = doc._aws as { Timestamp: unknown; CloudWatchMetrics: Directive[] };
  expect(typeof aws.Timestamp).toBe('number');
  expect(Object.keys(aws).sort()).toEqual(['CloudWatchMetrics', 'Timestamp']);
  expect(aws.CloudWatchMetrics).toHaveLength(1);
  const d = aws.CloudWatchMetrics[0]!;
  expect(d.Namespace).toMatch(/^[0-9A-Za-z.\-_/#: ]{1,255}$/);
  expect(d.Metrics.length).toBeGreaterThan(0);
  expect(d.Metrics.length).toBeLessThanOrEqual(100);
  for (const set of d.Dimensions) {
    expect(set.length).toBeLessThanOrEqual(30);
    // Every dimension is a root member whose value is a non-empty string.
    for (const name of set) expect(typeof doc[name] === 'string' && (doc[name] as string).trim().length > 0).toBe(true);
  }
  // Every metric is a root member holding a number.
  for (const m of d.Metrics) expect(Number.isFinite(doc[m.Name])).toBe(true);
  return d;
}

describe('EMF lines (AWS)', () => {
  test('a count is an EMF document: its tags are the dimension set, Unit Count, the value a number member', () => {
    const { metrics, lines, docs } = capture('emf', 'Sec/Prod');
    metrics.count('webhooks.rejected', 1, { source: 'github', reason: 'signature_invalid' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const doc = docs()[0]!;
    const d = expectEmf(doc);
    expect(d).toEqual({ Namespace: 'Sec/Prod', Dimensions: [['source', 'reason']], Metrics: [{ Name: 'webhooks.rejected', Unit: 'Count' }] });
    expect(doc).toMatchObject({ source: 'github', reason: 'signature_invalid', 'webhooks.rejected': 1, _aws: { Timestamp: T0 } });
  });

  test('a timing is Milliseconds; a count without tags has one empty dimension set; the default value is 1', () => {
    const { metrics, docs } = capture('emf');
    metrics.timing('router.latency', 12.5, { destination: 'jira' });
    metrics.count('deliveries.succeeded');
    const [timing, count] = docs();
    expect(expectEmf(timing!).Metrics).toEqual([{ Name: 'router.latency', Unit: 'Milliseconds' }]);
    expect(timing!['router.latency']).toBe(12.5);
    expect(expectEmf(count!).Dimensions).toEqual([[]]);
    expect(count!['deliveries.succeeded']).toBe(1);
  });

  test('at most 30 dimensions; a tag named like the metric or `_aws` is dropped, never overwriting the value', () => {
    const { metrics, docs } = capture('emf');
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`t${i}`, 'x']));
    metrics.count('wide', 3, { ...many });
    metrics.count('clash', 2, { clash: 'text', _aws: 'x', kind: 'a' });
    const [wide, clash] = docs();
    expect(expectEmf(wide!).Dimensions[0]).toHaveLength(30);
    expect(expectEmf(clash!).Dimensions).toEqual([['kind']]);
    expect(clash!.clash).toBe(2);
  });

  test('values that are not finite numbers and names that cannot be metrics write nothing', () => {
    const { metrics, lines } = capture('emf');
    metrics.count('n', Number.NaN);
    metrics.timing('t', Number.POSITIVE_INFINITY);
    metrics.count('_aws');
    metrics.count('has space');
    metrics.count('x'.repeat(256));
    expect(lines).toEqual([]);
  });
});

describe('JSON lines (Google Cloud, Azure, local)', () => {
  test('one JSON object per metric, shaped like a log line, the tags nested', () => {
    const { metrics, docs } = capture('json');
    metrics.count('webhooks.accepted', 1, { source: 'github' });
    metrics.timing('schedule.duration', 40);
    expect(docs()).toEqual([
      { time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'metric', metric: 'webhooks.accepted', value: 1, unit: 'Count', namespace: 'Secorch', runtime: 'test', tags: { source: 'github' } },
      { time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'metric', metric: 'schedule.duration', value: 40, unit: 'Milliseconds', namespace: 'Secorch', runtime: 'test', tags: {} },
    ]);
  });
});

describe('both formats', () => {
  test.each(['emf', 'json'] as const)('%s: quotes and backslashes in tag values survive as JSON; each line carries its own time', (format) => {
    const lines: string[] = [];
    const clock = fixedClock(T0);
    const metrics = lineMetrics({ format, namespace: 'Secorch', clock, write: (l) => lines.push(l), runtime: 'test' });
    metrics.count('m', 2, { 'k.1': 'a"b\\c', k2: '{}' });
    clock.advance(1500);
    metrics.count('m', 3, { 'k.1': 'a"b\\c', k2: '{}' });
    const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const tags = (d: Record<string, unknown>) => (format === 'emf' ? { 'k.1': d['k.1'], k2: d.k2 } : d.tags);
    expect(docs.map(tags)).toEqual([{ 'k.1': 'a"b\\c', k2: '{}' }, { 'k.1': 'a"b\\c', k2: '{}' }]);
    const times = docs.map((d) => (format === 'emf' ? (d._aws as { Timestamp: number }).Timestamp : Date.parse(d.time as string)));
    expect(times).toEqual([T0, T0 + 1500]);
    expect(docs.map((d) => (format === 'emf' ? d.m : d.value))).toEqual([2, 3]);
  });
});

describe('configuredMetrics', () => {
  const run = (metrics: unknown, onByDefault: boolean) => {
    const lines: string[] = [];
    const m = configuredMetrics({ metrics } as never, onByDefault, { format: 'json', clock: fixedClock(T0), write: (l) => lines.push(l), runtime: 'test' });
    m.count('webhooks.accepted', 1, { source: 'github' });
    return lines.map((l) => JSON.parse(l) as { namespace: string });
  };

  test('enabled: false writes nothing, whatever the runtime default', () => {
    expect(run({ enabled: false }, true)).toEqual([]);
    expect(run({ enabled: false, namespace: 'X' }, false)).toEqual([]);
  });

  test('unset, the runtime decides; enabled: true overrides a runtime that is off by default; the namespace defaults to Secorch', () => {
    expect(run(undefined, true).map((d) => d.namespace)).toEqual(['Secorch']);
    expect(run(undefined, false)).toEqual([]);
    expect(run({ enabled: true, namespace: 'Acme' }, false).map((d) => d.namespace)).toEqual(['Acme']);
  });
});
