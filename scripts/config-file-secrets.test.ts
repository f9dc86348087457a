import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfigFile, validateForBuild } from './config-file';

const dir = mkdtempSync(join(tmpdir(), 'secorch-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const REFS = `
sources:
  github:
    verify: { scheme: github, secret: secret://github-webhook }
  sw:
    verify: { scheme: standard-webhooks, secrets: [secret://sw-old, "secret://sw#current"] }
secrets:
  provider: aws-secrets-manager
  prefix: secorch/\${STAGE}/
`;

describe('configuration files with secret:// references', () => {
  test('a build accepts references without any secret manager and keeps them in the bundle', () => {
    const raw = validateForBuild(file('refs.yaml', REFS));
    expect(JSON.stringify(raw)).toContain('secret://github-webhook');
    expect(JSON.stringify(raw)).toContain('secret://sw#current');
  });

  test('a build still rejects malformed references and references in the secrets section', () => {
    expect(() => validateForBuild(file('bad.yaml', 'sources:\n  g:\n    verify: { scheme: github, secret: "secret://a b" }\n')))
      .toThrow('sources.g.verify.secret: a secret reference is secret://<name> or secret://<name>#<field>, with no whitespace');
    expect(() => validateForBuild(file('self.yaml', 'secrets:\n  provider: env\n  prefix: secret://p\n'))).toThrow(/^secrets\.prefix: the secrets section cannot use secret references/);
  });

  test('local validation resolves env references (with the prefix) from the given environment', () => {
    const path = file('env.yaml', 'sources:\n  github:\n    verify: { scheme: github, secret: secret://GH }\nsecrets: { prefix: SECORCH_ }\n');
    expect(validateConfigFile(path, { SECORCH_GH: 'from-env' }).config.sources.github!.verify).toMatchObject({ secret: 'from-env' });
    expect(() => validateConfigFile(path, {})).toThrow('Secret "GH" was not found (used at sources.github.verify.secret)');
  });

  test('local validation never quotes a resolved secret in an error: a check that quotes what it refuses names the path instead', () => {
    const path = file('quoted.yaml', 'sources:\n  github:\n    verify: { scheme: github, secret: s3cr3t }\n    allow: [secret://ALLOWED]\n');
    let message = '';
    try {
      validateConfigFile(path, { ALLOWED: 'topsecret-value' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('sources.github.allow');
    expect(message).not.toContain('topsecret-value');
  });

  test('local validation refuses a cloud manager, as the local runtime does', () => {
    expect(() => validateConfigFile(file('cloud.yaml', REFS), { STAGE: 'prod' })).toThrow('secrets.provider: aws-secrets-manager is not available on the local runtime; use env');
  });
});
