import { AppError } from '../errors';
import { mapSecrets, type Secrets } from '../ports/secrets';
import { compileConfig, compileConfigAsync } from './compile';
import type { SecretsConfig } from './sections/secrets';

const github = { verify: { scheme: 'github', secret: 'secret://github-webhook' }, mapper: 'github' };

function recording(values: Record<string, string>) {
  const sections: SecretsConfig[] = [];
  const secretsFor = (section: SecretsConfig): Secrets => (sections.push(section), mapSecrets(values));
  return { sections, secretsFor };
}

async function problem(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('compileConfigAsync: secret:// references', () => {
  test('a source verify secret given as secret://github-webhook validates and is in the compiled config', async () => {
    const r = recording({ 'github-webhook': 'resolved-gh-secret' });
    const raw = { sources: { github }, secrets: { provider: 'aws-ssm', prefix: '/secorch/${STAGE}/', ttlSeconds: 60 } };
    const config = await compileConfigAsync(raw, { STAGE: 'prod' }, r.secretsFor);
    expect(config.sources.github!.verify).toEqual({ scheme: 'github', secret: 'resolved-gh-secret' });
    expect(config.secrets).toEqual({ provider: 'aws-ssm', prefix: '/secorch/prod/', ttlSeconds: 60 });
    expect(r.sections).toEqual([{ provider: 'aws-ssm', prefix: '/secorch/prod/', ttlSeconds: 60 }]);
  });

  test('${VAR} is interpolated first, so a reference can name a per-stage secret', async () => {
    const r = recording({ 'prod-github': 'from-prod' });
    const config = await compileConfigAsync({ sources: { github: { verify: { scheme: 'github', secret: 'secret://${STAGE}-github' } } } }, { STAGE: 'prod' }, r.secretsFor);
    expect(config.sources.github!.verify).toMatchObject({ secret: 'from-prod' });
  });

  test('a resolved value is validated like a literal one (after resolution)', async () => {
    const raw = { sources: { sw: { verify: { scheme: 'standard-webhooks', secret: 'secret://sw' } } } };
    const message = await problem(compileConfigAsync(raw, {}, recording({ sw: 'not base64 at all!' }).secretsFor));
    expect(message).toContain('sources.sw.verify: A standard-webhooks secret must be "whsec_" followed by base64');
    expect(message).not.toContain('not base64 at all!');
    const ok = await compileConfigAsync(raw, {}, recording({ sw: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).secretsFor);
    expect(ok.sources.sw!.verify).toMatchObject({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
  });

  test('a missing secret names the secret and the path', async () => {
    expect(await problem(compileConfigAsync({ sources: { github } }, {}, recording({}).secretsFor)))
      .toBe('Secret "github-webhook" was not found (used at sources.github.verify.secret)');
  });

  test('without references no secret manager is built, and the result equals compileConfig', async () => {
    const r = recording({});
    const raw = { sources: { github: { verify: { scheme: 'github', secret: '${GH}' } } }, secrets: { provider: 'gcp-secret-manager' } };
    expect(await compileConfigAsync(raw, { GH: 'x' }, r.secretsFor)).toEqual(compileConfig(raw, { GH: 'x' }));
    expect(r.sections).toEqual([]);
  });

  test('the secrets section is checked before any lookup, with its paths', async () => {
    const r = recording({ 'github-webhook': 'v' });
    expect(await problem(compileConfigAsync({ sources: { github }, secrets: { provider: 'vault' } }, {}, r.secretsFor))).toMatch(/^Invalid configuration: secrets\.provider: /);
    expect(await problem(compileConfigAsync({ sources: { github }, secrets: { provider: 'azure-keyvault' } }, {}, r.secretsFor)))
      .toBe('Invalid configuration: secrets.vaultUrl: required with provider azure-keyvault');
    expect(await problem(compileConfigAsync({ sources: { github }, secrets: { ttl: 3 } }, {}, r.secretsFor))).toBe('Invalid configuration: secrets.ttl: unknown key');
    expect(await problem(compileConfigAsync({ sources: { github }, secrets: { prefix: 'secret://p' } }, {}, r.secretsFor)))
      .toBe('secrets.prefix: the secrets section cannot use secret references (it says how they are resolved)');
    expect(r.sections).toEqual([]);
  });
});

describe('compileConfig (synchronous) and secret:// references', () => {
  test('a reference is refused by default, naming it and its path', () => {
    expect(() => compileConfig({ sources: { github } }, {}))
      .toThrow('sources.github.verify.secret: secret://github-webhook is a secret reference; it is resolved at cold start (compileConfigAsync)');
  });

  test('a caller may supply the values (builds use placeholders)', () => {
    const config = compileConfig({ sources: { github } }, {}, { secretRef: (ref, path) => `placeholder-${ref.name}-${path}` });
    expect(config.sources.github!.verify).toMatchObject({ secret: 'placeholder-github-webhook-sources.github.verify.secret' });
  });

  test('cross-checks of the secrets section apply here too', () => {
    expect(() => compileConfig({ secrets: { provider: 'env', vaultUrl: 'https://v.vault.azure.net' } }, {}))
      .toThrow('secrets.vaultUrl: only used with provider azure-keyvault, not env');
    expect(() => compileConfig({ secrets: { provider: 'azure-keyvault', vaultUrl: 'http://v.vault.azure.net' } }, {})).toThrow(/secrets\.vaultUrl: /);
    expect(compileConfig({ secrets: { provider: 'azure-keyvault', vaultUrl: 'https://v.vault.azure.net' } }, {}).secrets.vaultUrl).toBe('https://v.vault.azure.net');
  });
});
