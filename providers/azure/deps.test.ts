import { bundle, githubSource, metricLines, rejectedWebhook, unbundle } from '../common/metrics.testkit';

/**
 * On Azure metrics are JSON lines on stdout: the Functions host sends them to Application
 * Insights as traces. The storage connection string is never used (the SDK loads on first call).
 */
beforeEach(() => {
  jest.resetModules();
  process.env.AzureWebJobsStorage = 'UseDevelopmentStorage=true';
});
afterEach(() => {
  unbundle();
  delete process.env.AzureWebJobsStorage;
});

test('a rejected webhook writes a JSON metric line with the source and reason as tags', async () => {
  bundle({ sources: githubSource, metrics: { namespace: 'Acme Sec' } });
  const { azureDeps } = await import('./deps');
  expect(metricLines(await rejectedWebhook(azureDeps))).toEqual([{
    time: expect.any(String), level: 'info', msg: 'metric', metric: 'webhooks.rejected', value: 1, unit: 'Count',
    namespace: 'Acme Sec', runtime: 'azure', tags: { source: 'github', reason: 'signature_invalid' },
  }]);
});
