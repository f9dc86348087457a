import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  test('a path that is a folder, not a file, is refused naming the path (EISDIR alone named nothing)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secorch-config-'));
    try {
      expect(() => readRawConfig(dir)).toThrow(`Configuration file ${dir} cannot be read (EISDIR); set SECORCH_CONFIG to a YAML file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a build keeps ${VAR} references unresolved, so secrets never enter a bundle', () => {
    expect(JSON.stringify(validateForBuild(DEMO))).toContain('${GITHUB_WEBHOOK_SECRET:-local-demo-secret}');
  });

  test('an integer written with a leading zero is refused: YAML 1.1 readers take 0755 as octal (493), YAML 1.2 as 755', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secorch-config-'));
    try {
      const path = join(dir, 'secorch.yaml');
      writeFileSync(path, 'sources:\n  a:\n    verify: { scheme: github, secret: "0755" }\n    maxBodyBytes: 0755\n');
      expect(() => readRawConfig(path)).toThrow(`${path}: line 4: 0755 is an integer with a leading zero, which YAML readers disagree on (octal 493 or decimal 755); write 755, 0o755 or "0755"`);
      writeFileSync(path, 'sources:\n  a:\n    verify: { scheme: github, secret: "0755" }\n    maxBodyBytes: 0o1777\n    rateLimit: { perSecond: 0.5, burst: 0 }\n');
      expect(readRawConfig(path)).toEqual({ sources: { a: { verify: { scheme: 'github', secret: '0755' }, maxBodyBytes: 1023, rateLimit: { perSecond: 0.5, burst: 0 } } } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing file is named', () => {
    expect(() => readRawConfig('/nonexistent/secorch.yaml')).toThrow('Configuration file not found: /nonexistent/secorch.yaml');
  });

  test('YAML anchors and merge keys share settings between sources; a key given twice is still refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secorch-config-'));
    try {
      const path = join(dir, 'secorch.yaml');
      writeFileSync(path, [
        'sources:',
        '  a: &base',
        '    maxBodyBytes: 65536',
        '    rateLimit: { perSecond: 5, burst: 10 }',
        '    verify: { scheme: github, secret: one }',
        '  b:',
        '    <<: *base',
        '    maxBodyBytes: 1024',
        '    verify: { scheme: github, secret: two }',
      ].join('\n'));
      const raw = readRawConfig(path) as { sources: Record<string, unknown> };
      // A key of the mapping itself wins over the merged one.
      expect(raw.sources.b).toEqual({ maxBodyBytes: 1024, rateLimit: { perSecond: 5, burst: 10 }, verify: { scheme: 'github', secret: 'two' } });
      expect(validateConfigFile(path, {}).config.sources.b).toMatchObject({ maxBodyBytes: 1024, rateLimit: { perSecond: 5, burst: 10 } });
      writeFileSync(path, 'sources:\n  a: { verify: { scheme: github, secret: one } }\n  a: { verify: { scheme: github, secret: two } }\n');
      expect(() => readRawConfig(path)).toThrow(/Map keys must be unique/);
      // Keys that are one name once read (1 and "1", true and "true"): the last would silently replace the first.
      writeFileSync(path, 'destinations:\n  1: { type: file, path: a.jsonl }\n  "1": { type: file, path: b.jsonl }\n');
      expect(() => readRawConfig(path)).toThrow(/Map keys must be unique/);
      writeFileSync(path, 'sources:\n  a: { verify: { scheme: github, secret: one }, allow: ["10.0.0.0/8"], true: 1, "true": 2 }\n');
      expect(() => readRawConfig(path)).toThrow(/Map keys must be unique/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a build takes values known only at deploy time (a URL, a PEM key, a whsec_ secret from a variable) and still refuses what is wrong whatever they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secorch-config-'));
    try {
      const path = join(dir, 'secorch.yaml');
      const config = (extra: string) => [
        'sources:',
        '  scanner: { verify: { scheme: standard-webhooks, secret: "${SCANNER_SECRET}" } }',
        '  partner: { verify: { scheme: rsa, publicKeys: ["${PARTNER_PUBLIC_KEY}"], header: X-Signature } }',
        'destinations:',
        '  jira: { type: jira, baseUrl: "${JIRA_URL}", email: "${JIRA_EMAIL}", apiToken: "secret://jira-token", project: SEC, issueType: Bug }',
        extra,
      ].join('\n');
      writeFileSync(path, config(''));
      expect(() => validateForBuild(path)).not.toThrow();
      // An unknown key beside a variable, and a literal that is wrong, are errors at build time.
      writeFileSync(path, config('  other: { type: jira, baseUrl: "not a url", email: a@b.c, apiToken: "${T}", project: SEC, issueType: Bug, colour: "${C}" }'));
      expect(() => validateForBuild(path)).toThrow(/destinations\.other\.baseUrl: .*destinations\.other\.colour: unknown key|destinations\.other\.colour: unknown key.*destinations\.other\.baseUrl/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
