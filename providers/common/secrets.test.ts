import type { SecretsConfig } from '../../shared/config/sections/secrets';
import { fixedClock, type Secrets } from '../../shared/ports';
import { cachedSecrets } from '../../shared/secrets';
import { describeSecretsContract } from '../../shared/secrets/contract.testkit';
import { envSecrets } from './env-secrets';
import { configuredSecrets, type SecretManagers } from './secrets';

const section = (s: Partial<SecretsConfig>): SecretsConfig => ({ provider: 'env', ttlSeconds: 300, ...s });

function countingManager(values: Record<string, string>) {
  const calls: string[] = [];
  const secrets: Secrets = { get: async (name) => (calls.push(name), values[name]) };
  return { calls, secrets };
}

describe('configuredSecrets: the provider a runtime offers, behind the cache', () => {
  test('env (everywhere): environment variables, with the prefix before each name', async () => {
    const s = configuredSecrets('local', section({ prefix: 'SECORCH_' }), {}, { env: { SECORCH_GH: 'v', GH: 'unprefixed' }, clock: fixedClock(0) });
    expect(await s.get('GH')).toBe('v');
    expect(await s.get('MISSING')).toBeUndefined();
  });

  test('the named manager is built from the section and cached for ttlSeconds', async () => {
    const clock = fixedClock(0);
    const m = countingManager({ 'github-webhook': 'v' });
    const seen: SecretsConfig[] = [];
    const managers: SecretManagers = { 'aws-ssm': (s) => (seen.push(s), m.secrets) };
    const s = configuredSecrets('AWS', section({ provider: 'aws-ssm', prefix: '/p/', ttlSeconds: 60 }), managers, { env: {}, clock });
    expect(seen).toEqual([{ provider: 'aws-ssm', prefix: '/p/', ttlSeconds: 60 }]);
    await s.get('github-webhook');
    await s.get('github-webhook');
    expect(m.calls).toEqual(['github-webhook']);
    clock.advance(60_000);
    await s.get('github-webhook');
    expect(m.calls).toEqual(['github-webhook', 'github-webhook']);
  });

  test('ttlSeconds 0 asks the manager on every get', async () => {
    const m = countingManager({ a: 'v' });
    const s = configuredSecrets('AWS', section({ provider: 'aws-secrets-manager', ttlSeconds: 0 }), { 'aws-secrets-manager': () => m.secrets }, { env: {}, clock: fixedClock(0) });
    await s.get('a');
    await s.get('a');
    expect(m.calls).toEqual(['a', 'a']);
  });

  test('a manager the runtime does not offer is a config error naming secrets.provider and what works', () => {
    const aws: SecretManagers = { 'aws-secrets-manager': () => envSecrets({}), 'aws-ssm': () => envSecrets({}) };
    expect(() => configuredSecrets('AWS', section({ provider: 'gcp-secret-manager' }), aws, { env: {}, clock: fixedClock(0) })).toThrow(expect.objectContaining({
      code: 'invalid_config', message: 'secrets.provider: gcp-secret-manager is not available on AWS; use env, aws-secrets-manager, aws-ssm', extra: { path: 'secrets.provider' },
    }));
    expect(() => configuredSecrets('local', section({ provider: 'aws-ssm' }), {}, { env: {}, clock: fixedClock(0) }))
      .toThrow('secrets.provider: aws-ssm is not available on local; use env');
  });
});

describe('envSecrets', () => {
  test('an empty variable counts as unset; names with = or whitespace are refused', async () => {
    const s = envSecrets({ EMPTY: '', SET: 'v' });
    expect(await s.get('SET')).toBe('v');
    expect(await s.get('EMPTY')).toBeUndefined();
    await expect(s.get('A=B')).rejects.toMatchObject({ code: 'invalid_secret_name' });
    await expect(s.get('A B')).rejects.toMatchObject({ code: 'invalid_secret_name' });
    await expect(s.get('')).rejects.toMatchObject({ code: 'invalid_secret_name' });
  });
});

const NO_BACKEND = 'environment variables have no backend that can fail';

describeSecretsContract('envSecrets (environment variables)', async (values) => ({
  secrets: envSecrets({ ...values, UNRELATED: 'not-a-contract-secret' }),
}), { skip: { 'backend-failure': NO_BACKEND } });

describeSecretsContract('cachedSecrets around envSecrets (ttl 300 s)', async (values) => ({
  secrets: cachedSecrets(envSecrets(values), { ttlSeconds: 300, clock: fixedClock(0) }),
}), { skip: { 'backend-failure': NO_BACKEND } });

describeSecretsContract('configuredSecrets env with prefix SECORCH_ (the cached wrapper as deployed)', async (values) => {
  // Unprefixed decoys under the same names: reading one of them would be a confusion.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    env[`SECORCH_${name}`] = value;
    env[name] = `decoy-unprefixed-${name}`;
  }
  return { secrets: configuredSecrets('local', section({ prefix: 'SECORCH_', ttlSeconds: 300 }), {}, { env, clock: fixedClock(0) }) };
}, { skip: { 'backend-failure': NO_BACKEND } });
