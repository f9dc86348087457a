import { join } from 'node:path';
import { readRawConfig, validateConfigFile, validateForBuild } from './config-file';

const DEMO = join(__dirname, '..', 'secorch.yaml');

describe('configuration files', () => {
  test('the demo secorch.yaml is valid and documents its local default secret', () => {
    const { config } = validateConfigFile(DEMO, {});
    expect(config.sources.github!.verify).toEqual({ scheme: 'github', secret: 'local-demo-secret' });
    expect(config.destinations['events-file']).toEqual({ type: 'file', path: '.data/events.jsonl' });
    expect(validateConfigFile(DEMO, { GITHUB_WEBHOOK_SECRET: 'real', SECORCH_DATA_DIR: '/d' }).config.destinations['events-file']).toEqual({ type: 'file', path: '/d/events.jsonl' });
  });

  test('a build keeps ${VAR} references unresolved, so secrets never enter a bundle', () => {
    expect(JSON.stringify(validateForBuild(DEMO))).toContain('${GITHUB_WEBHOOK_SECRET:-local-demo-secret}');
  });

  test('a missing file is named', () => {
    expect(() => readRawConfig('/nonexistent/secorch.yaml')).toThrow('Configuration file not found: /nonexistent/secorch.yaml');
  });
});
