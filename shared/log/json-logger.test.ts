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

describe('json logger: credentials of the connectors and their vendors', () => {
  // Shapes as the vendors document them: Slack bot tokens, Okta's SSWS scheme, Atlassian API
  // tokens (ATATT...), Entra client secrets (three characters, a digit, "Q~"), an Auth0 access
  // token (a JWT), PagerDuty's 32-character routing keys.
  const SLACK_TOKEN = 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy';
  const OKTA_TOKEN = '00QCjAl4MlV-WPXM9d8LVmnBxkkBNd3bQ2kJ0cJ2Yx';
  const JIRA_TOKEN = 'ATATT3xFfGF0T4Ox0s5tEiLJYlyUx0Z1jUvPJ0qEx8Y5DcRz=4A1C9F2B';
  const ENTRA_SECRET = 'Xy48Q~Pn3vUOdm.4BvA~g2kQ7tZ_lRcE8hFjW0s';
  const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2FjbWUuYXV0aDAuY29tLyJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
  const ROUTING_KEY = 'R0ENKX3T4P5YVZQ2G8WBHJ7M1CDSAF6L';
  const BASIC = Buffer.from('svc-secorch:SnowPassw0rd!').toString('base64');
  const LEAKS = [SLACK_TOKEN, OKTA_TOKEN, JIRA_TOKEN, ENTRA_SECRET, JWT, ROUTING_KEY, BASIC, 'SnowPassw0rd', 'FuncKey0123', 'ApimKey0123', 'AuthPass1', 'KeyPhrase1', 'MsPwd1', 'sid=s%3AxYz', 'FormSecret1', 'mm0webhook1', 'HmacVal1'];

  function capture() {
    const out: string[] = [];
    return { out, log: jsonLogger({ clock: fixedClock(0), write: (l) => out.push(l), level: 'debug' }) };
  }
  const leaked = (text: string) => LEAKS.filter((s) => text.includes(s));

  test('secret-named fields of connector configs, event bodies and request headers', () => {
    const { out, log } = capture();
    log.info('pagerduty event', { config: { type: 'pagerduty', routingKey: ROUTING_KEY }, body: { routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'finding-1' } });
    log.info('mattermost destination', { config: { type: 'rest', webhookUrl: 'https://mm.example.com/hooks/mm0webhook1xk5iy8dsnfrgd8u' } });
    log.warn('request failed', {
      headers: { 'x-functions-key': 'FuncKey0123', 'ocp-apim-subscription-key': 'ApimKey0123', 'x-shopify-hmac-sha256': 'HmacVal1=', accept: 'application/json' },
      options: { auth: 'svc:AuthPass1', passphrase: 'KeyPhrase1', pwd: 'MsPwd1', host: 'api.example.com' },
    });
    expect(leaked(out.join('\n'))).toEqual([]);
    const [pd, , req] = out.map((l) => JSON.parse(l));
    // What tells one event or endpoint from another stays.
    expect(pd.body).toEqual({ routing_key: '[redacted]', event_action: 'trigger', dedup_key: 'finding-1' });
    expect(req.headers.accept).toBe('application/json');
    expect(req.options.host).toBe('api.example.com');
  });

  test('credentials quoted in the text of an error: headers, schemes, tokens, JSON and form bodies', () => {
    const { out, log } = capture();
    const messages = [
      `request failed; sent headers: Authorization: Basic ${BASIC}\r\nAccept: */*`,
      `Okta answered 401 to SSWS ${OKTA_TOKEN}`,
      `invalid_auth for token ${SLACK_TOKEN}`,
      `Jira refused ${JIRA_TOKEN} (401)`,
      `AADSTS7000215: Invalid client secret provided: ${ENTRA_SECRET}.`,
      `auth0 rejected access token ${JWT}`,
      `400 {"status":"invalid event","routing_key":"${ROUTING_KEY}","errors":["bad"]}`,
      `token endpoint said: {\\"error\\":\\"invalid_client\\",\\"client_secret\\":\\"FormSecret1\\"}`,
      'echoed body grant_type=client_credentials&client_secret=FormSecret1&scope=okta.users.read',
      'upstream refused; Cookie: sid=s%3AxYz.abc; theme=dark',
    ];
    for (const m of messages) log.error('connector failed', { error: new Error(m) });
    expect(leaked(out.join('\n'))).toEqual([]);
    const said = out.map((l) => JSON.parse(l).error.message as string);
    expect(said[1]).toBe('Okta answered 401 to [redacted]');
    expect(said[6]).toBe('400 {"status":"invalid event","routing_key":"[redacted]","errors":["bad"]}');
    expect(said[8]).toBe('echoed body grant_type=client_credentials&client_secret=[redacted]&scope=okta.users.read');
  });

  test('ordinary text and identifiers are left as they are', () => {
    const { out, log } = capture();
    const prose = [
      'Basic authentication is not enabled for this site',
      'secret "api-key" could not be read from aws-secrets-manager (AccessDeniedException)',
      'reason=signature_invalid source=github attempts=3',
      'Invalid webhook signing secret: the base64 is not canonical',
    ];
    for (const m of prose) log.warn(m, { error: new Error(m) });
    log.info('ids', { keyId: 'key_01HZX3', dedupKey: 'finding-1', key: 'sched:jira-sync:cursor', deliveryId: 'msg_1', subscriptionId: 'sub_1' });
    const entries = out.map((l) => JSON.parse(l));
    expect(entries.slice(0, 4).map((e) => e.error.message)).toEqual(prose);
    expect(entries[4]).toMatchObject({ keyId: 'key_01HZX3', dedupKey: 'finding-1', key: 'sched:jira-sync:cursor', deliveryId: 'msg_1', subscriptionId: 'sub_1' });
  });
});
