import { parse } from 'yaml';
import { compileConfig } from './compile';
import { interpolate } from './interpolate';

describe('interpolate', () => {
  test('a `__proto__` key (YAML makes it an own key) stays a key: it never becomes the prototype', () => {
    const raw = parse('egress:\n  __proto__:\n    allowPrivate: ["10.0.0.0/8"]\n') as Record<string, unknown>;
    const out = interpolate(raw, {}) as { egress: Record<string, unknown> };
    expect(Object.keys(out.egress)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out.egress)).toBe(Object.prototype);
    expect(out.egress.allowPrivate).toBeUndefined();
    // So strict validation sees it as the unknown key it is, instead of an inherited setting.
    expect(() => compileConfig(raw, {})).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('egress.__proto__: a key of this name is not allowed') }));
  });
});

describe('${...} that is not a variable reference', () => {
  const secretAt = (secret: string, env: Record<string, string> = {}) => {
    const raw = parse(`sources:\n  github:\n    verify: { scheme: github, secret: "${secret}" }\n`) as unknown;
    return () => compileConfig(raw, env);
  };

  test.each([
    ['${GITHUB-SECRET}', 'a dash in the name'],
    ['${GITHUB_SECRET', 'no closing brace'],
    ['${GITHUB_SECRET-fallback}', "the shell's unset-only default"],
    ['${ GITHUB_SECRET }', 'spaces'],
    ['${1SECRET}', 'a leading digit'],
    ['prefix-${}', 'no name'],
    ['${GITHUB_SECRET:-${OTHER}}', 'a variable in a default'],
  ])('%j (%s) stops start-up naming the path, and is never kept as the value', (secret) => {
    const env = { GITHUB_SECRET: 'from-env', OTHER: 'other', GITHUB: 'g', SECRET: 's' };
    const error = (() => {
      try {
        return secretAt(secret, env)();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({
      code: 'invalid_config',
      message: expect.stringMatching(/^Invalid configuration: sources\.github\.verify\.secret: "\$\{" at character \d+ does not start \$\{NAME\}/),
    });
    // The text is not echoed: around a typo it may be a literal secret.
    expect((error as Error).message).not.toContain(secret);
  });

  test('$${ is a literal ${ whatever follows, and ${{ (a $ before a template placeholder) is kept', () => {
    const raw = parse('destinations:\n  out: { type: file, path: "$${1}/$${HOME}/${{ x }}" }\n') as unknown;
    expect(compileConfig(raw, { HOME: '/home/x' }).destinations.out).toEqual({ type: 'file', path: '${1}/${HOME}/${{ x }}' });
  });

  test('a value holding ${...} is inserted as it is, never interpolated again', () => {
    const raw = parse('destinations:\n  out: { type: file, path: "${A}/${B}" }\n') as unknown;
    expect(compileConfig(raw, { A: '${B}', B: '$${C' }).destinations.out).toEqual({ type: 'file', path: '${B}/$${C' });
  });

  test('an empty variable is named as empty, not as unset', () => {
    expect(secretAt('${GITHUB_SECRET}', { GITHUB_SECRET: '' })).toThrow('Environment variable GITHUB_SECRET is empty (used at sources.github.verify.secret)');
    expect(secretAt('${GITHUB_SECRET}', {})).toThrow('Environment variable GITHUB_SECRET is not set (used at sources.github.verify.secret)');
  });
});

describe('${...} in a key', () => {
  const compile = (yaml: string, env: Record<string, string>) => () => compileConfig(parse(yaml) as unknown, env);
  const routed = (key: string) => `destinations:\n  "${key}": { type: file, path: out.jsonl }\nroutes:\n  - { name: all, filter: { prefix: { type: "" } }, to: ["jira-\${STAGE}"] }\n`;

  test.each(['jira-${STAGE}', 'jira-$${STAGE}', 'jira-${STAGE-x}'])('%s stops start-up naming the key, rather than becoming a name nothing else uses', (key) => {
    expect(compile(routed(key), { STAGE: 'prod' })).toThrow(expect.objectContaining({
      code: 'invalid_config',
      message: `Invalid configuration: destinations.${key}: keys are names, taken as written: "\${" is not interpolated in a key; write the name itself`,
    }));
  });

  test('a key with ${{ (a $ before a template placeholder) is kept', () => {
    const yaml = 'destinations:\n  f: { type: rest, baseUrl: "https://api.example.com", body: { "${{ type }}": "x" } }\n';
    expect(compile(yaml, {})().destinations.f).toMatchObject({ body: { '${{ type }}': 'x' } });
  });
});
