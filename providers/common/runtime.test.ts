import type { SecretsConfig } from '../../shared/config/sections/secrets';
import { mapSecrets, type Secrets } from '../../shared/ports';
import { bundledConfig, bundledConfigWithSecrets } from './runtime';

/** esbuild `define` puts the configuration in the bundle; here it is a global, as at runtime. */
const g = globalThis as { __SECORCH_CONFIG__?: unknown };
afterEach(() => delete g.__SECORCH_CONFIG__);

describe('bundled configuration with secret:// references', () => {
  test('references resolve through the configured secrets, which are then the ones returned', async () => {
    g.__SECORCH_CONFIG__ = { sources: { github: { verify: { scheme: 'github', secret: 'secret://github-webhook' } } }, secrets: { provider: 'env', ttlSeconds: 30 } };
    const built: SecretsConfig[] = [];
    const port: Secrets = mapSecrets({ 'github-webhook': 'resolved' });
    const { config, secrets } = await bundledConfigWithSecrets((s) => (built.push(s), port), {});
    expect(config.sources.github!.verify).toMatchObject({ secret: 'resolved' });
    expect(secrets).toBe(port);
    expect(built).toEqual([{ provider: 'env', ttlSeconds: 30 }]);
  });

  test('without references the secrets are still built, from the validated section', async () => {
    g.__SECORCH_CONFIG__ = { secrets: { provider: 'aws-ssm', prefix: '/p/' } };
    const built: SecretsConfig[] = [];
    const { secrets } = await bundledConfigWithSecrets((s) => (built.push(s), mapSecrets({})), {});
    expect(await secrets.get('x')).toBeUndefined();
    expect(built).toEqual([{ provider: 'aws-ssm', prefix: '/p/', ttlSeconds: 300 }]);
  });

  test('the synchronous form refuses references; a bundle without configuration says how to build one', () => {
    g.__SECORCH_CONFIG__ = { sources: { github: { verify: { scheme: 'github', secret: 'secret://github-webhook' } } } };
    expect(() => bundledConfig({})).toThrow(/secret:\/\/github-webhook is a secret reference/);
    delete g.__SECORCH_CONFIG__;
    expect(() => bundledConfig({})).toThrow(/built without a configuration/);
  });
});
