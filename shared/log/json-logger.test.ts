import { fixedClock } from '../ports/clock';
import { jsonLogger } from './json-logger';

describe('json logger', () => {
  test('writes one JSON object per line with time, level and message, redacting secrets', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')), write: (l) => lines.push(l) }).child({ source: 'github' });
    log.info('received', {
      headers: { 'x-hub-signature-256': 'sha256=abc', authorization: 'Bearer tok', 'content-type': 'application/json' },
      config: { secret: 'whsec_abcdef', secrets: ['a', 'b'], apiKey: 'k' },
      note: 'sent with Bearer eyJhbGciOi.abc and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and sha256=0123456789abcdef0123456789abcdef',
    });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'received', source: 'github' });
    expect(entry.headers).toEqual({ 'x-hub-signature-256': '[redacted]', authorization: '[redacted]', 'content-type': 'application/json' });
    expect(entry.config).toEqual({ secret: '[redacted]', secrets: '[redacted]', apiKey: '[redacted]' });
    expect(lines[0]).not.toMatch(/eyJhbGciOi|MfKQ9r8|0123456789abcdef|whsec_abcdef/);
  });

  test('errors are logged by name and message, redacted', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(0), write: (l) => lines.push(l), level: 'error' });
    log.error('failed', { error: new Error('token Bearer abc.def leaked') });
    expect(JSON.parse(lines[0]!).error).toEqual({ name: 'Error', message: 'token [redacted] leaked' });
  });

  test('never throws: a bigint is written as its digits; fields that cannot be read are left out, the line still written', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(0), write: (l) => lines.push(l) });
    log.info('big', { n: 12345678901234567890n, nested: { m: [1n] } });
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'big', n: '12345678901234567890', nested: { m: ['1'] } });
    const hostile = { get boom(): string { throw new Error('getter failed near Bearer abc.def'); } };
    expect(() => log.error('job failed', { error: hostile, job: 'sync' })).not.toThrow();
    const line = JSON.parse(lines[1]!);
    expect(line).toMatchObject({ level: 'error', msg: 'job failed', logError: expect.stringContaining('getter failed') });
    expect(lines[1]).not.toContain('abc.def');
  });
});

describe('json logger: secrets that redaction by field name misses', () => {
  const TEAMS = 'https://prod-12.westus.logic.azure.com:443/workflows/4f2a/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=WorkflowSig0123456789abcdefXYZ';
  const SLACK = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/SlackHookSecret0123456789';
  const S3 = 'https://bucket.s3.amazonaws.com/export.json.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLEKEYID1234%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=s3presignedsig9876';
  const SECRETS = /WorkflowSig|SlackHookSecret|AKIAEXAMPLEKEYID|s3presignedsig|jwkstok|restkey42|hunter2pw|StorageKey0==|SasKey0=|sig=sassig/;

  function lines() {
    const out: string[] = [];
    return { out, log: jsonLogger({ clock: fixedClock(0), write: (l) => out.push(l), level: 'debug' }) };
  }

  test('credential URLs in plain fields keep scheme, host, path and parameter names only', () => {
    const { out, log } = lines();
    log.warn('jwks fetch failed', { jwksUrl: 'https://idp.example.com/.well-known/jwks.json?access_token=jwkstok123', url: TEAMS, hook: SLACK, link: S3 });
    const entry = JSON.parse(out[0]!);
    expect(out[0]).not.toMatch(SECRETS);
    expect(entry.jwksUrl).toBe('https://idp.example.com/.well-known/jwks.json?access_token=[redacted]');
    expect(entry.url).toBe('https://prod-12.westus.logic.azure.com/workflows/4f2a/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=[redacted]');
    expect(entry.hook).toBe('https://hooks.slack.com/services/T0123ABCD/B0456EFGH/[redacted]');
    expect(entry.link).toContain('https://bucket.s3.amazonaws.com/export.json.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[redacted]');
  });

  test('an error whose message quotes a credential URL or a connection string is logged without it', () => {
    const { out, log } = lines();
    log.error('destination failed', { error: new Error(`request to https://api.example.com/v1/things?api_key=restkey42&page=2 failed, reason: socket hang up`) });
    log.error('store failed', { error: new TypeError('connect ECONNREFUSED (redis://default:hunter2pw@cache.internal:6379/0)') });
    log.error('blob failed', { error: new Error('Invalid connection string DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=StorageKey0==;EndpointSuffix=core.windows.net') });
    log.error('bus failed', { error: { message: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=SasKey0=' } });
    log.error('queue failed', { error: new Error('https://acct.queue.core.windows.net/q?sv=2022-11-02&se=2026-01-02&sig=sassig%2Fabc refused') });
    expect(out.join('\n')).not.toMatch(SECRETS);
    expect(JSON.parse(out[0]!).error.message).toBe('request to https://api.example.com/v1/things?api_key=[redacted]&page=[redacted] failed, reason: socket hang up');
    expect(JSON.parse(out[1]!).error.message).toBe('connect ECONNREFUSED (redis://default:[redacted]@cache.internal:6379/0)');
    expect(JSON.parse(out[2]!).error.message).toContain('AccountName=acct;AccountKey=[redacted];EndpointSuffix=core.windows.net');
    expect(JSON.parse(out[3]!).error.message).toContain('SharedAccessKeyName=send;SharedAccessKey=[redacted]');
  });
});
