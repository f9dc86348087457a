import { generateKeyPairSync } from 'node:crypto';
import { AppError } from '../errors';
import { compileConfig } from './compile';

const github = { verify: { scheme: 'github', secret: '${GH_SECRET}' }, mapper: 'github' };
const RSA_PUBLIC_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function problem(raw: unknown, env: Record<string, string> = { GH_SECRET: 's' }): string {
  try {
    compileConfig(raw, env);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('invalid_config');
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('compileConfig', () => {
  test('interpolates ${VAR} and applies defaults', () => {
    const config = compileConfig({ sources: { github } }, { GH_SECRET: 'from-env' });
    expect(config.sources.github!.verify).toEqual({ scheme: 'github', secret: 'from-env' });
    expect(config.sources.github!.maxBodyBytes).toBe(1024 * 1024);
    expect(config.sources.github!.tenant).toBe('default');
    expect(config.routes).toEqual([]);
  });

  test('${VAR:-default} falls back when unset or empty; $${ is a literal', () => {
    const raw = { sources: { g: { verify: { scheme: 'github', secret: '${NOPE:-fallback}' } } }, destinations: { f: { type: 'file', path: '$${HOME}/x' } } };
    expect(compileConfig(raw, {}).sources.g!.verify).toMatchObject({ secret: 'fallback' });
    expect(compileConfig(raw, { NOPE: '' }).sources.g!.verify).toMatchObject({ secret: 'fallback' });
    expect(compileConfig(raw, {}).destinations.f).toEqual({ type: 'file', path: '${HOME}/x' });
  });

  test('a missing variable is named with the path that uses it', () => {
    expect(problem({ sources: { github } }, {})).toBe('Environment variable GH_SECRET is not set (used at sources.github.verify.secret)');
  });

  test('an unknown key is rejected with its path', () => {
    expect(problem({ sources: { github: { ...github, mappr: 'github' } } })).toContain('sources.github.mappr: unknown key');
    expect(problem({ sources: {}, sorces: {} })).toContain('sorces: unknown key');
    expect(problem({ sources: { github: { ...github, verify: { ...github.verify, secrt: 'x' } } } })).toContain('sources.github.verify.secrt: unknown key');
  });

  test('bad values are rejected with their path', () => {
    expect(problem({ sources: { github: { ...github, verify: { scheme: 'no-such-scheme', secret: 'x' } } } })).toContain('sources.github.verify');
    expect(problem({ sources: { github: { ...github, maxBodyBytes: -1 } } })).toContain('sources.github.maxBodyBytes');
    expect(problem({ sources: { 'bad id!': github } })).toContain('sources');
  });

  test('a source rate limit slower than one request in about three hours is refused, as a subscription\'s is', () => {
    expect(problem({ sources: { github: { ...github, rateLimit: { perSecond: 1e-300, burst: 1 } } } })).toContain('sources.github.rateLimit.perSecond: must be at least 0.0001 (one every 10000 seconds)');
    expect(compileConfig({ sources: { github: { ...github, rateLimit: { perSecond: 0.0001, burst: 1 } } } }, { GH_SECRET: 's' }).sources.github!.rateLimit).toEqual({ perSecond: 0.0001, burst: 1 });
  });

  // Replay records live max(dedupeTtlSeconds, 2 x tolerance + 1 s) (functions/webhook-ingress/replay.ts);
  // past the state stores' TTL ceiling (about 317 years) writing them fails and replays go through.
  test('a replay window longer than a year of dedupe or 30 days of timestamp tolerance is refused, naming the key', () => {
    const source = (over: Record<string, unknown>, verify: Record<string, unknown> = {}) => ({ sources: { s: { ...github, verify: { ...github.verify, ...verify }, ...over } } });
    expect(problem(source({ dedupeTtlSeconds: 5e9 }))).toContain('sources.s.dedupeTtlSeconds: must be at most 31536000 (a year)');
    expect(problem(source({ dedupeTtlSeconds: 365 * 86_400 + 1 }))).toContain('sources.s.dedupeTtlSeconds: must be at most 31536000');
    expect(compileConfig(source({ dedupeTtlSeconds: 365 * 86_400 }), { GH_SECRET: 's' }).sources.s!.dedupeTtlSeconds).toBe(365 * 86_400);
    expect(problem({ sources: { github }, ingest: { dedupeTtlSeconds: 1e11 } })).toContain('ingest.dedupeTtlSeconds: must be at most 31536000 (a year)');
    const timestamped: Record<string, unknown>[] = [
      { scheme: 'standard-webhooks', secret: 'whsec_c2VjcmV0' },
      { scheme: 'hmac', secret: 's', header: 'X-Signature', timestampHeader: 'X-Timestamp', signedContent: '{timestamp}.{body}' },
      { scheme: 'stripe', secret: 's' },
      { scheme: 'slack', secret: 's' },
      { scheme: 'zendesk', secret: 's' },
      { scheme: 'rsa', publicKeys: [RSA_PUBLIC_KEY], header: 'X-Signature', timestampHeader: 'X-Timestamp', signedContent: '{timestamp}.{body}' },
    ];
    for (const verify of timestamped) {
      const at = (toleranceSeconds: number) => ({ sources: { s: { verify: { ...verify, toleranceSeconds } } } });
      expect(problem(at(5e9))).toContain('sources.s.verify.toleranceSeconds: must be at most 2592000 (30 days)');
      expect(problem(at(30 * 86_400 + 1))).toContain('sources.s.verify.toleranceSeconds: must be at most 2592000');
      expect(compileConfig(at(30 * 86_400), {}).sources.s!.verify).toMatchObject({ toleranceSeconds: 30 * 86_400 });
    }
  });

  test('a destination name longer than 128 characters is refused: it goes into state-store keys', () => {
    expect(problem({ sources: { github }, destinations: { ['d'.repeat(129)]: { type: 'file', path: 'x.jsonl' } } })).toContain(`destinations.${'d'.repeat(129)}: Invalid key in record`);
    expect(compileConfig({ sources: { github }, destinations: { ['d'.repeat(128)]: { type: 'file', path: 'x.jsonl' } } }, { GH_SECRET: 's' }).destinations['d'.repeat(128)]).toBeDefined();
  });

  test('a wrong value says what was expected and what was found, or lists the allowed values', () => {
    expect(problem({ sources: { github: { ...github, maxBodyBytes: '1MB' } } })).toContain('sources.github.maxBodyBytes: Invalid input: expected number, received string');
    expect(problem({ sources: { github }, logLevel: 'verbose' })).toContain('logLevel: Invalid option: expected one of "debug"|"info"|"warn"|"error"');
    expect(problem({ sources: { github: { ...github, verify: { scheme: 'githb', secret: 's' } } } })).toMatch(/sources\.github\.verify\.scheme: .*'github' \| 'standard-webhooks'/);
    expect(problem({ sources: { github }, schedules: { nightly: { everySeconds: 30, job: { type: 'archive-flush' } } } })).toContain('schedules.nightly.everySeconds: Too small: expected number to be >=60');
  });

  test('an archive prefix no object store can hold stops start-up, naming it', () => {
    const archive = (prefix: string) => ({ sources: { github }, destinations: { lake: { type: 'archive', bucket: 'b', prefix } } });
    expect(problem(archive('../events'))).toContain('destinations.lake.prefix: "../events" has a ".." segment');
    expect(problem(archive('/events'))).toContain('destinations.lake.prefix: "/events" has an empty segment');
    expect(() => compileConfig(archive('security/events'), { GH_SECRET: 's' })).not.toThrow();
  });

  test('a quarantine prefix too long for any quarantine key stops start-up, naming it', () => {
    const ingest = (quarantinePrefix: string) => ({ sources: { github }, ingest: { quarantinePrefix } });
    expect(problem(ingest('q/'.repeat(300)))).toContain('ingest.quarantinePrefix: must be at most 512 bytes');
    expect(problem(ingest(`${'é'.repeat(76)}/`))).toContain('ingest.quarantinePrefix: each segment must be at most 150 bytes');
    expect(() => compileConfig(ingest(`${'q/'.repeat(181)}${'q'.repeat(150)}`), { GH_SECRET: 's' })).not.toThrow();
  });

  test('a retention shorter than the retry schedule is refused: the last attempts would find their event gone', () => {
    // The default schedule spans 27.6 h, 33.1 h with its 20 % jitter.
    expect(problem({ sources: { github }, deliveries: { retentionDays: 1 } })).toContain('deliveries.retentionDays: 1 days is shorter than the retry schedule with its jitter (33.1 h)');
    expect(() => compileConfig({ sources: { github }, deliveries: { retentionDays: 2 } }, { GH_SECRET: 's' })).not.toThrow();
    expect(() => compileConfig({ sources: { github }, deliveries: { retentionDays: 1, retry: { schedule: [0, 60_000, 3_600_000] } } }, { GH_SECRET: 's' })).not.toThrow();
  });

  test('a delivery lease no longer than the request timeout is refused', () => {
    expect(problem({ sources: { github }, deliveries: { timeoutSeconds: 30, leaseSeconds: 20 } })).toContain('deliveries.leaseSeconds: must be longer than deliveries.timeoutSeconds (30)');
    expect(problem({ sources: { github }, deliveries: { leaseSeconds: 15 } })).toContain('deliveries.timeoutSeconds (15)');
    expect(() => compileConfig({ sources: { github }, deliveries: { timeoutSeconds: 30, leaseSeconds: 45 } }, { GH_SECRET: 's' })).not.toThrow();
  });

  test('the aws-kms sealer takes previous keys to open with, and nothing else', () => {
    const sealer = { provider: 'aws-kms', keyId: 'alias/secorch', previousKeyIds: ['arn:aws:kms:eu-west-1:111122223333:key/old'] };
    expect(compileConfig({ sources: { github }, secrets: { sealer } }, { GH_SECRET: 's' }).secrets?.sealer).toEqual(sealer);
    expect(problem({ sources: { github }, secrets: { sealer: { ...sealer, previousKeyIds: [''] } } })).toContain('secrets.sealer.previousKeyIds[0]');
    expect(problem({ sources: { github }, secrets: { sealer: { provider: 'gcp-kms', keyName: 'k', previousKeyIds: ['x'] } } })).toContain('secrets.sealer.previousKeyIds: unknown key');
  });

  test('the azure-keyvault sealer key is an https URL, as the vault URL is (Key Vault sends no token over http)', () => {
    const keyId = 'https://my-vault.vault.azure.net/keys/secorch-sealer';
    expect(compileConfig({ secrets: { sealer: { provider: 'azure-keyvault', keyId } } }, {}).secrets.sealer).toEqual({ provider: 'azure-keyvault', keyId });
    expect(problem({ secrets: { sealer: { provider: 'azure-keyvault', keyId: keyId.replace('https:', 'http:') } } })).toContain('secrets.sealer.keyId: ');
  });

  test('a source needs exactly one of secret and secrets', () => {
    expect(problem({ sources: { g: { verify: { scheme: 'github' } } } })).toContain('sources.g.verify: The github verifier needs secret or secrets');
    expect(problem({ sources: { g: { verify: { scheme: 'github', secret: 'a', secrets: ['b'] } } } })).toContain('not both');
  });

  test('an address allowlist must hold addresses or CIDR ranges', () => {
    expect(problem({ sources: { github: { ...github, allow: ['10.0.0.0/8', 'not-an-ip'] } } })).toContain('sources.github.allow: Not an IP address or CIDR range: "not-an-ip"');
    expect(compileConfig({ sources: { github: { ...github, allow: ['10.0.0.0/8', '2001:db8::/32'] } } }, { GH_SECRET: 's' }).sources.github!.allow).toHaveLength(2);
  });

  test('routes must name known destinations and valid filters', () => {
    const raw = {
      routes: [{ name: 'r', filter: { prefix: { type: '' } }, to: ['missing'] }, { name: 's', filter: { sql: "type = 'a" }, to: ['f'] }],
      destinations: { f: { type: 'file', path: 'x' } },
    };
    const message = problem(raw);
    expect(message).toContain('routes[0].to[0]: unknown destination "missing"');
    expect(message).toContain('routes[1].filter.sql: parse error at position 7');
  });

  test('service URLs are http(s) URLs: a queue ARN or an endpoint without its scheme is refused, not taken as a URL of scheme "arn" or "localhost"', () => {
    expect(problem({ bus: { type: 'sqs', queueUrl: 'arn:aws:sqs:us-east-1:123456789012:secorch-events' } })).toContain('bus.queueUrl: ');
    expect(problem({ bus: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', endpoint: 'localhost:4566' } })).toContain('bus.endpoint: ');
    expect(problem({ bus: { type: 'eventbridge', busName: 'b', endpoint: 'localhost:4566' } })).toContain('bus.endpoint: ');
    expect(problem({ store: { type: 'dynamodb', table: 't', endpoint: 'localhost:8000' } })).toContain('store.endpoint: ');
    const ok = compileConfig({ bus: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', endpoint: 'http://127.0.0.1:4566' } }, {});
    expect(ok.bus).toEqual({ type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', endpoint: 'http://127.0.0.1:4566' });
  });
});
