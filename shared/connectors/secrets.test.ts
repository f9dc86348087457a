import { reply, startVendorServer, type VendorServer } from '../../test/support/vendor-server';
import { clientCredentialsAuth } from './auth/client-credentials';
import { apiTokenAuth, basicAuth } from './auth/static';
import { eachTestVendor, type Harness } from './transport.testkit';

/**
 * Credentials never reach a log line, an error message, an error's extra members or headers, or
 * anything in its cause chain, even when the vendor echoes them back.
 */
let vendor: VendorServer;
let h: Harness;
const CLIENT_SECRET = 'cs-7f3b9a1e-secret';
const PASSWORD = 'jira-api-token-ATATT3x';

eachTestVendor((kit) => ({ vendor, h } = kit));

/** Everything an error could show: message, extra, headers, and the same down its cause chain. */
function surface(e: unknown): string {
  const parts: unknown[] = [];
  for (let c = e as { message?: unknown; extra?: unknown; headers?: unknown; cause?: unknown } | undefined, i = 0; c && i < 6; c = c.cause as typeof c, i++) {
    parts.push(String(c.message), c.extra, c.headers, String(c));
  }
  return JSON.stringify(parts);
}

test('OAuth: client secret and access tokens stay out of logs and errors', async () => {
  const tokens: string[] = [];
  vendor.on('POST /token', () => {
    tokens.push(`eyJ-access-${tokens.length}-${'z'.repeat(12)}`);
    return reply.json({ access_token: tokens.at(-1), expires_in: 3600 });
  });
  // The API refuses the first token, then echoes the header it got, then is briefly down.
  vendor.queue('GET /api/thing', reply.unauthorized(),
    (req) => ({ status: 400, json: { error: { code: 'BadRequest', message: `header was ${req.headers.authorization}` } } }),
    reply.tooManyRequests('1'));
  vendor.on('GET /api/thing', (req) => ({ status: 500, json: { message: `auth ${req.headers.authorization}, client ${CLIENT_SECRET}` } }));
  vendor.on('GET /api/health', reply.serverError(500, { message: `echo ${CLIENT_SECRET}` }));

  const tr = h.transport({
    baseUrl: `${vendor.url}/api`, retry: { maxAttempts: 2, baseDelayMs: 10 }, check: { path: '/health' },
    auth: clientCredentialsAuth({ tokenUrl: `${vendor.url}/token`, clientId: 'cid', clientSecret: CLIENT_SECRET }),
  });
  const errors = [
    await tr.request({ path: '/thing' }).catch((e) => e),
    await tr.request({ path: '/thing' }).catch((e) => e),
    await tr.check(),
  ];
  expect(errors.map((e) => e.code ?? e.error?.code)).toEqual(['connector_rejected', 'connector_unavailable', 'connector_unavailable']);
  expect(errors[0].message).toContain('header was Bearer [redacted]');

  vendor.on('POST /token', { status: 401, json: { error: 'invalid_client', error_description: `secret ${CLIENT_SECRET} is wrong` } });
  h.clock.advance(3600_000);
  errors.push(await tr.request({ path: '/thing' }).catch((e) => e));
  expect(errors[3].code).toBe('connector_auth_failed');

  const shown = errors.map(surface).join('\n') + JSON.stringify(h.logs);
  expect(tokens.length).toBe(2);
  for (const secret of [CLIENT_SECRET, ...tokens]) expect(shown).not.toContain(secret);
  expect(h.logs.map((l) => l.msg)).toEqual(['connector credential refused; renewing it', 'connector retry']);
});

test('basic: neither the password nor its Base64 form appears', async () => {
  const encoded = Buffer.from(`sec@example.com:${PASSWORD}`).toString('base64');
  vendor.on('GET /rest/api/3/myself', (req) => ({ status: 403, json: { errorMessages: [`denied for ${req.headers.authorization} (${PASSWORD})`] } }));
  const err = await h.transport({ baseUrl: vendor.url, auth: basicAuth({ username: 'sec@example.com', password: PASSWORD }) }).request({ path: '/rest/api/3/myself' }).catch((e) => e);
  expect(err.code).toBe('connector_forbidden');
  expect(surface(err)).not.toContain(PASSWORD);
  expect(surface(err)).not.toContain(encoded);
  expect(err.message).toContain('denied for Basic [redacted] ([redacted])');
});

test('a key in a custom header never follows a redirect to another origin; a redirect within the origin keeps it', async () => {
  const KEY = 'k-9c1d7e52-api-key';
  const elsewhere = await startVendorServer();
  try {
    elsewhere.on('POST /cases', reply.json({ id: 'stolen' }, 201));
    vendor.on('POST /v2/cases', { status: 307, headers: { location: `${elsewhere.url}/cases` } });
    vendor.on('GET /v2/old', { status: 301, headers: { location: '/v2/new' } });
    vendor.on('GET /v2/new', (req) => reply.json({ key: req.headers['x-api-key'] }));
    const tr = h.transport({ baseUrl: `${vendor.url}/v2`, auth: apiTokenAuth({ token: KEY, header: 'X-API-Key' }) });
    const err = await tr.request({ method: 'POST', path: '/cases', body: { title: 't' } }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_link_refused', retryable: false, extra: { vendorStatus: 307, path: '/v2/cases' } });
    expect(elsewhere.requests).toHaveLength(0);
    expect(surface(err)).not.toContain(KEY);
    const moved = await tr.request<{ key: string }>({ path: '/old' });
    expect(moved.body).toEqual({ key: KEY });
    expect(moved.url).toBe(`${vendor.url}/v2/new`);
  } finally {
    await elsewhere.close();
  }
});
