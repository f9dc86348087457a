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

describe('re-reading secret:// values (reload)', () => {
  const withRef = (provider: string) => ({ sources: { github: { verify: { scheme: 'github', secret: 'secret://github-webhook' } } }, secrets: { provider, ttlSeconds: 30 } });

  test('references resolved through a manager can be re-read: nothing when no value changed, else the new configuration and the changed names', async () => {
    g.__SECORCH_CONFIG__ = withRef('aws-ssm');
    const values: Record<string, string | undefined> = { 'github-webhook': 'v1' };
    const { config, reload } = await bundledConfigWithSecrets(() => ({ get: async (n) => values[n] }), {});
    expect(config.sources.github!.verify).toMatchObject({ secret: 'v1' });
    expect(await reload!()).toBeUndefined();
    values['github-webhook'] = 'v2';
    const next = await reload!();
    expect(next?.changed).toEqual(['github-webhook']);
    expect(next?.config.sources.github!.verify).toMatchObject({ secret: 'v2' });
    expect(await reload!()).toBeUndefined(); // v2 is now the value in use
    delete values['github-webhook'];
    await expect(reload!()).rejects.toThrow('Secret "github-webhook" was not found (used at sources.github.verify.secret)');
  });

  test('no reload for environment variables (they do not change in a running instance) nor without references', async () => {
    g.__SECORCH_CONFIG__ = withRef('env');
    expect((await bundledConfigWithSecrets(() => mapSecrets({ 'github-webhook': 'v1' }), {})).reload).toBeUndefined();
    g.__SECORCH_CONFIG__ = { secrets: { provider: 'aws-ssm' } };
    expect((await bundledConfigWithSecrets(() => mapSecrets({}), {})).reload).toBeUndefined();
  });
});

describe('a configuration error never quotes a referenced value', () => {
  // Checks across sections quote what they refuse (`Not an IP address or CIDR range: "..."`):
  // from a literal that helps, from a secret manager (SSM holds allowlists as well) it is a leak.
  const config = (allow: string) => ({
    sources: { github: { verify: { scheme: 'github', secret: 'secret://github-webhook' }, allow: [allow] } },
    secrets: { provider: 'aws-ssm' },
  });
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: Error & { code?: string }) => e);

  test('at cold start: a whole value and a #field member are left out, the path stays', async () => {
    for (const [allow, stored] of [
      ['secret://office-net', { 'office-net': 'office-net-Zq9ab' }],
      ['secret://net#cidr', { net: JSON.stringify({ cidr: 'office-net-Zq9ab', other: 'unused' }) }],
    ] as const) {
      g.__SECORCH_CONFIG__ = config(allow);
      const values: Record<string, string> = { 'github-webhook': 'gh-secret-value', ...stored };
      const e = await failure(bundledConfigWithSecrets(() => ({ get: async (n) => values[n] }), {}));
      expect(e).toMatchObject({ code: 'invalid_config', message: expect.stringContaining('sources.github.allow: Not an IP address or CIDR range') });
      expect(e.message).not.toContain('Zq9ab');
      expect(e.stack).not.toContain('Zq9ab');
    }
  });

  test('at a re-read: a rotated value that no longer validates is left out of the error the warning carries', async () => {
    g.__SECORCH_CONFIG__ = config('secret://office-net');
    const values: Record<string, string> = { 'github-webhook': 'gh-secret-value', 'office-net': '10.0.0.0/8' };
    const { reload } = await bundledConfigWithSecrets(() => ({ get: async (n) => values[n] }), {});
    values['office-net'] = 'office-net-Zq9ab';
    const e = await failure(reload!());
    expect(e).toMatchObject({ code: 'invalid_config', message: expect.stringContaining('sources.github.allow') });
    expect(e.message).not.toContain('Zq9ab');
  });

  test('a standard-webhooks secret that is not base64 is named by its path, not quoted', async () => {
    g.__SECORCH_CONFIG__ = { sources: { s: { verify: { scheme: 'standard-webhooks', secret: 'secret://sw' } } }, secrets: { provider: 'aws-ssm' } };
    const e = await failure(bundledConfigWithSecrets(() => mapSecrets({ sw: 'whsec_not*base64!Zq9ab' }), {}));
    expect(e).toMatchObject({ code: 'invalid_config', message: 'Invalid configuration: sources.s.verify: A standard-webhooks secret must be "whsec_" followed by base64' });
  });
});
