import { fixedClock } from '../ports/clock';
import { AppError } from '../errors';
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

  test('never throws: a bigint is written as its digits; a field that cannot be read is written as [unreadable], the rest as usual', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(0), write: (l) => lines.push(l) });
    log.info('big', { n: 12345678901234567890n, nested: { m: [1n] } });
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'big', n: '12345678901234567890', nested: { m: ['1'] } });
    const hostile = { get boom(): string { throw new Error('getter failed near Bearer abc.def'); } };
    expect(() => log.error('job failed', { error: hostile, job: 'sync' })).not.toThrow();
    const line = JSON.parse(lines[1]!);
    // Only the member that cannot be read is left out: the rest of what is being reported stays.
    expect(line).toMatchObject({ level: 'error', msg: 'job failed', error: { boom: '[unreadable]' }, job: 'sync' });
    expect(lines[1]).not.toContain('abc.def');
  });

  test('never throws, whatever a field throws: values without a string form, hostile toString, proxies', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(0), write: (l) => lines.push(l) });
    const hostileString = { toString(): string { throw new Error('no string'); } };
    const fields: Record<string, unknown>[] = [
      { get a(): string { throw Object.create(null); }, job: 'sync' },
      { get a(): string { throw hostileString; }, job: 'sync' },
      { a: new Proxy({}, { ownKeys() { throw hostileString; } }), job: 'sync' },
      { a: Object.assign(new Error('x'), { message: hostileString }), job: 'sync' },
      { a: new Map([[hostileString, 'v']]), job: 'sync' },
    ];
    for (const f of fields) expect(() => log.error('job failed', f)).not.toThrow();
    expect(lines).toHaveLength(fields.length);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ level: 'error', msg: 'job failed', job: 'sync' });
  });

  test('the message is redacted too, and fields cannot replace time, level or message', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(0), write: (l) => lines.push(l), level: 'debug' });
    log.error('token endpoint refused Bearer eyJhbGciOi.abc: https://idp.example/token?client_secret=s3cr3tval');
    log.error('real', { msg: 'metric', level: 'debug', time: 'then' });
    expect(lines[0]).not.toMatch(/eyJhbGciOi|s3cr3tval/);
    expect(JSON.parse(lines[0]!).msg).toBe('token endpoint refused [redacted]: https://idp.example/token?client_secret=[redacted]');
    expect(JSON.parse(lines[1]!)).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'error', msg: 'real', _msg: 'metric', _level: 'debug', _time: 'then' });
  });
});

describe('json logger: values other than plain objects', () => {
  function capture() {
    const out: string[] = [];
    const log = jsonLogger({ clock: fixedClock(0), write: (l) => out.push(l), level: 'debug' });
    return { out, log, entry: (i = 0) => JSON.parse(out[i]!) as Record<string, unknown> };
  }

  test('bytes are written as their length, never their content', () => {
    const { out, log, entry } = capture();
    const key = Buffer.from('hunter2-sealing-key');
    log.info('bytes', { key, view: new Uint8Array(key), raw: key.buffer.slice(0, 4), nested: { dataKey: new Uint8Array(32) } });
    expect(out[0]).not.toMatch(/104|hunter2/);
    expect(entry()).toMatchObject({ key: '[19 bytes]', view: '[19 bytes]', raw: '[4 bytes]', nested: { dataKey: '[32 bytes]' } });
  });

  test('headers, maps, sets, URLs and dates are written readably, redacted by name and shape', () => {
    const { out, log, entry } = capture();
    log.info('request', {
      headers: new Headers({ authorization: 'Bearer zzz', 'x-api-key': 'k123456', 'set-cookie': 'sid=abc', 'x-request-id': 'r1' }),
      map: new Map<unknown, unknown>([['token', 'tokval'], ['region', 'eu'], [7, 'seven']]),
      set: new Set(['a', 'Bearer setval']),
      url: new URL('https://u:pw@x.example/cb?code=codeval&page=2'),
      at: new Date(Date.UTC(2026, 0, 2)),
      bad: new Date(Number.NaN),
    });
    expect(out[0]).not.toMatch(/zzz|k123456|sid=abc|tokval|setval|pw@|codeval/);
    expect(entry()).toMatchObject({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', 'set-cookie': '[redacted]', 'x-request-id': 'r1' },
      map: { token: '[redacted]', region: 'eu', 7: 'seven' },
      set: ['a', '[redacted]'],
      url: 'https://u:[redacted]@x.example/cb?code=[redacted]&page=[redacted]',
      at: '2026-01-02T00:00:00.000Z',
      bad: 'Invalid Date',
    });
  });

  test('errors keep their code and cause chain, each redacted; a cause that loops is cut', () => {
    const { out, log, entry } = capture();
    const inner = Object.assign(new Error('connect to redis://default:innerpw@cache:6379 refused'), { code: 'ECONNREFUSED' });
    const outer = new AppError('seal_failed', 'KMS GenerateDataKey failed (Error)', { status: 500, cause: inner });
    const loop = new Error('loops');
    loop.cause = loop;
    log.error('failed', { error: outer, loop });
    expect(out[0]).not.toContain('innerpw');
    expect(entry()).toMatchObject({
      error: {
        name: 'AppError', code: 'seal_failed', message: 'KMS GenerateDataKey failed (Error)',
        cause: { name: 'Error', code: 'ECONNREFUSED', message: 'connect to redis://default:[redacted]@cache:6379 refused' },
      },
      loop: { name: 'Error', message: 'loops', cause: '[circular]' },
    });
  });

  test('output is bounded: long strings, long arrays, wide objects and graphs that share or loop', () => {
    const { out, log, entry } = capture();
    const token = `ghp_${'A1b2'.repeat(9)}`;
    // A credential shape across the cut is still recognised, never written in part.
    const long = `${'x'.repeat(8180)} ${token} ${'y'.repeat(1_000_000)}`;
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i += 1) wide[`k${i}`] = i;
    const graph: Record<string, unknown> = { id: 'root' };
    for (let i = 0; i < 10; i += 1) graph[`edge${i}`] = graph;
    const shared = { name: 'leaf' };
    log.info('big', { long, list: Array.from({ length: 100_000 }, (_, i) => i), wide, graph, pair: [shared, shared] });
    expect(out[0]!.length).toBeLessThan(64 * 1024);
    expect(out[0]).not.toContain(token.slice(0, 12));
    const e = entry();
    // What is kept is the start of the string, about MAX_STRING characters, then how long it was.
    expect(e.long).toMatch(new RegExp(`^x{8000,8180}\\.\\.\\.\\[truncated: ${long.length} characters\\]$`));
    expect((e.list as unknown[]).slice(0, 3)).toEqual([0, 1, 2]);
    expect((e.list as unknown[]).at(-1)).toMatch(/more items\]$/);
    expect(e.graph).toMatchObject({ id: 'root', edge0: '[circular]', edge9: '[circular]' });
    // The same object twice is not a loop.
    expect(e.pair).toEqual([{ name: 'leaf' }, { name: 'leaf' }]);
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
