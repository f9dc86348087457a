import { bundle, githubSource, metricLines, rejectedWebhook, unbundle } from '../common/metrics.testkit';

/** On Google Cloud metrics are JSON lines on stdout: Cloud Logging parses them into jsonPayload. */
beforeEach(() => {
  jest.resetModules();
  process.env.SECORCH_EVENTS_TOPIC = 'projects/p/topics/secorch-events';
});
afterEach(() => {
  unbundle();
  delete process.env.SECORCH_EVENTS_TOPIC;
});

test('a rejected webhook writes a JSON metric line with the source and reason as tags', async () => {
  bundle({ sources: githubSource });
  const { gcpDeps } = await import('./deps');
  expect(metricLines(await rejectedWebhook(gcpDeps))).toEqual([{
    time: expect.any(String), level: 'info', msg: 'metric', metric: 'webhooks.rejected', value: 1, unit: 'Count',
    namespace: 'Secorch', runtime: 'gcp', tags: { source: 'github', reason: 'signature_invalid' },
  }]);
});

test('metrics.enabled: false writes no metric line', async () => {
  bundle({ sources: githubSource, metrics: { enabled: false } });
  const { gcpDeps } = await import('./deps');
  const docs = await rejectedWebhook(gcpDeps);
  expect(metricLines(docs)).toEqual([]);
  expect(docs.some((d) => d.msg === 'webhook rejected')).toBe(true);
});
