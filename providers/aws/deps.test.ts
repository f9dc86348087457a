import { bundle, githubSource, metricLines, rejectedWebhook, unbundle } from '../common/metrics.testkit';

/** On AWS metrics are CloudWatch EMF lines on stdout, which Lambda sends to CloudWatch Logs. */
beforeEach(() => {
  jest.resetModules();
  process.env.SECORCH_EVENTS_QUEUE_URL = 'http://127.0.0.1:9/000000000000/secorch-events';
});
afterEach(() => {
  unbundle();
  delete process.env.SECORCH_EVENTS_QUEUE_URL;
});

async function onAws(config: unknown, path?: string) {
  bundle(config);
  const { awsDeps } = await import('./deps');
  return rejectedWebhook(awsDeps, path);
}

test('a rejected webhook writes an EMF line: webhooks.rejected, Count, dimensions source and reason', async () => {
  const lines = metricLines(await onAws({ sources: githubSource, metrics: { namespace: 'SecorchTest' } }));
  expect(lines).toEqual([{
    _aws: { Timestamp: expect.any(Number), CloudWatchMetrics: [{ Namespace: 'SecorchTest', Dimensions: [['source', 'reason']], Metrics: [{ Name: 'webhooks.rejected', Unit: 'Count' }] }] },
    source: 'github', reason: 'signature_invalid', 'webhooks.rejected': 1,
  }]);
});

test('a request for a source that is not configured is counted under "(unknown)", not under the name it used', async () => {
  const lines = metricLines(await onAws({ sources: githubSource }, '/webhooks/attacker-chosen-1'));
  expect(lines.map((d) => [d.source, d.reason, (d._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]!.Namespace])).toEqual([['(unknown)', 'unknown_source', 'Secorch']]);
  expect(JSON.stringify(lines)).not.toContain('attacker-chosen-1');
});

test('metrics.enabled: false writes no metric line (the rejection is still logged)', async () => {
  const docs = await onAws({ sources: githubSource, metrics: { enabled: false } });
  expect(metricLines(docs)).toEqual([]);
  expect(docs.some((d) => d.msg === 'webhook rejected')).toBe(true);
});
