import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, githubSource, metricLines, rejectedWebhook, unbundle } from '../common/metrics.testkit';

/**
 * Locally (`npm start`) metric lines would bury the console's logs: unset, they are written only
 * at logLevel debug; `metrics.enabled` decides otherwise.
 */
let dir: string;
beforeEach(() => {
  jest.resetModules();
  dir = mkdtempSync(join(tmpdir(), 'secorch-metrics-'));
  process.env.SECORCH_DATA_DIR = dir;
  process.env.SECORCH_ROUTER_NUDGE = 'off';
});
afterEach(() => {
  unbundle();
  delete process.env.SECORCH_DATA_DIR;
  delete process.env.SECORCH_ROUTER_NUDGE;
  rmSync(dir, { recursive: true, force: true });
});

async function locally(config: Record<string, unknown>) {
  bundle({ sources: githubSource, store: { type: 'memory' }, ...config });
  const { localDeps } = await import('./deps');
  return metricLines(await rejectedWebhook(localDeps));
}

const rejected = { msg: 'metric', metric: 'webhooks.rejected', value: 1, runtime: 'local', tags: { source: 'github', reason: 'signature_invalid' } };

test('at logLevel debug a rejected webhook writes a JSON metric line', async () => {
  expect(await locally({ logLevel: 'debug' })).toEqual([expect.objectContaining(rejected)]);
});

test('at logLevel info nothing is written unless metrics.enabled is true', async () => {
  expect(await locally({ logLevel: 'info' })).toEqual([]);
  jest.resetModules();
  expect(await locally({ logLevel: 'info', metrics: { enabled: true } })).toEqual([expect.objectContaining(rejected)]);
});

test('metrics.enabled: false silences them at logLevel debug too', async () => {
  expect(await locally({ logLevel: 'debug', metrics: { enabled: false } })).toEqual([]);
});
