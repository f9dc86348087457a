import { reply, type VendorRequest, type VendorServer } from '../../../test/support/vendor-server';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { clientCredentialsAuth } from './client-credentials';

let vendor: VendorServer;
let h: Harness;
let issued: number;
const SECRET = 'cc-secret-Zx9!q/+=';

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  issued = 0;
  vendor.on('POST /oauth2/token', () => reply.json({ access_token: `at-${++issued}-xxxxxxxx`, token_type: 'bearer', expires_in: 3600 }));
  vendor.on('GET /api/me', (req) => reply.json({ auth: req.headers.authorization }));
});

const t = (o: Partial<Parameters<typeof clientCredentialsAuth>[0]> = {}) =>
  h.transport({ baseUrl: `${vendor.url}/api`, auth: clientCredentialsAuth({ tokenUrl: `${vendor.url}/oauth2/token`, clientId: 'client id', clientSecret: SECRET, ...o }) });
const tokenRequests = (): VendorRequest[] => vendor.requestsTo('POST /oauth2/token');

test('the token request: form POST, Basic client auth with form-encoded id and secret, scopes and audience', async () => {
  const res = await t({ scopes: ['https://graph.microsoft.com/.default', 'offline'], audience: 'https://api.example' }).request({ path: '/me' });
  expect(res.body).toEqual({ auth: 'Bearer at-1-xxxxxxxx' });
  const [req] = tokenRequests();
  expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(Buffer.from(String(req!.headers.authorization).replace('Basic ', ''), 'base64').toString()).toBe(`client+id:${encodeURIComponent(SECRET)}`);
  expect(req!.json()).toEqual({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default offline', audience: 'https://api.example' });
});

test('clientAuth body sends the credentials as form fields', async () => {
  await t({ clientAuth: 'body' }).request({ path: '/me' });
  const [req] = tokenRequests();
  expect(req!.headers.authorization).toBeUndefined();
  expect(req!.json()).toEqual({ grant_type: 'client_credentials', client_id: 'client id', client_secret: SECRET });
});

test('the token is reused, and renewed 60 s before expiry (80 % for short lifetimes)', async () => {
  const tr = t();
  await tr.request({ path: '/me' });
  h.clock.advance(3540_000 - 1);
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-1-xxxxxxxx' });
  h.clock.advance(1);
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-2-xxxxxxxx' });

  vendor.on('POST /oauth2/token', () => reply.json({ access_token: `short-${++issued}-xxxxxxxx`, expires_in: 100 }));
  h.clock.advance(3540_000);
  await tr.request({ path: '/me' });
  h.clock.advance(79_999);
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer short-3-xxxxxxxx' });
  h.clock.advance(1);
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer short-4-xxxxxxxx' });
});

test('concurrent requests share one token request', async () => {
  const tr = t();
  const bodies = await Promise.all(Array.from({ length: 8 }, () => tr.request({ path: '/me' }).then((r) => r.body)));
  expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  expect(tokenRequests()).toHaveLength(1);
});

test('a 401 drops the cached token once and retries once with a new one', async () => {
  vendor.queue('GET /api/me', reply.unauthorized());
  const tr = t();
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-2-xxxxxxxx' });
  expect(tokenRequests()).toHaveLength(2);

  vendor.queue('GET /api/me', reply.unauthorized(), reply.unauthorized());
  await expect(tr.request({ path: '/me' })).rejects.toMatchObject({ code: 'connector_auth_failed' });
  expect(tokenRequests()).toHaveLength(3);
  expect(vendor.requestsTo('GET /api/me')).toHaveLength(4);
});

test('a failed renewal falls back on the old token while it is still valid', async () => {
  const tr = t();
  await tr.request({ path: '/me' });
  vendor.queue('POST /oauth2/token', reply.serverError(503));
  h.clock.advance(3550_000);
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-1-xxxxxxxx' });
  h.clock.advance(50_000);
  vendor.queue('POST /oauth2/token', reply.serverError(503));
  await expect(tr.request({ path: '/me' })).rejects.toMatchObject({ code: 'connector_unavailable', retryable: true });
});

test.each([
  [{ status: 401, json: { error: 'invalid_client', error_description: `bad secret ${SECRET}` } }, 'connector_auth_failed', 'check the client id and secret of acme'],
  // Auth0's answer to a wrong client secret.
  [{ status: 401, json: { error: 'access_denied', error_description: 'Unauthorized' } }, 'connector_auth_failed', 'check the client id and secret of acme'],
  [{ status: 400, json: { error: 'invalid_scope' } }, 'connector_forbidden', 'refused the requested scopes'],
  [{ status: 400, json: { error: 'unsupported_grant_type' } }, 'connector_rejected', 'check the tokenUrl'],
  [{ status: 200, json: { token_type: 'bearer' } }, 'connector_bad_response', 'without an access_token'],
])('token endpoint refusal %#: %s', async (answer, code, fix) => {
  vendor.on('POST /oauth2/token', answer);
  const err = await t().request({ path: '/me' }).catch((e) => e);
  expect(err).toMatchObject({ code, retryable: false });
  expect(err.message).toContain(fix);
  expect(JSON.stringify({ m: err.message, x: err.extra })).not.toContain(SECRET);
  expect(JSON.stringify({ m: err.message, x: err.extra })).not.toContain(encodeURIComponent(SECRET));
  expect(vendor.requestsTo('GET /api/me')).toHaveLength(0);
});

test('the token endpoint is not allowed to redirect (the secret would follow)', async () => {
  vendor.on('POST /oauth2/token', { status: 307, headers: { location: '/elsewhere' } });
  await expect(t().request({ path: '/me' })).rejects.toMatchObject({ code: 'egress_denied' });
  expect(vendor.requests.map((r) => r.path)).toEqual(['/oauth2/token']);
});
