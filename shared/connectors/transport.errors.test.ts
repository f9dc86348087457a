import { guardedHttp } from '../http/egress';
import { reply, type VendorServer } from '../../test/support/vendor-server';
import { apiTokenAuth } from './auth/static';
import { createTransport } from './transport';
import { eachTestVendor, type Harness } from './transport.testkit';

let vendor: VendorServer;
let h: Harness;
const TOKEN = '00aBcDeFgHiJkLmNoPqRsTuVwXyZ-okta';
const auth = apiTokenAuth({ token: TOKEN, scheme: 'SSWS' });

eachTestVendor((kit) => ({ vendor, h } = kit));

const t = () => h.transport({ baseUrl: `${vendor.url}/api/v1`, auth });
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Record<string, unknown> & { extra: Record<string, unknown>; message: string });

test('the request carries the auth header, JSON body and accept header', async () => {
  vendor.on('POST /api/v1/users', (req) => reply.json({ seen: req.headers.authorization, type: req.headers['content-type'], accept: req.headers.accept, body: req.json() }));
  const res = await t().request({ method: 'POST', path: '/users', body: { profile: { login: 'a' } } });
  expect(res.body).toEqual({ seen: `SSWS ${TOKEN}`, type: 'application/json', accept: 'application/json', body: { profile: { login: 'a' } } });
});

test.each([
  [401, 'connector_auth_failed', 'check the credentials of acme'],
  [403, 'connector_forbidden', 'lacks a permission or scope'],
  [404, 'connector_not_found', 'GET /api/v1/projects/NOPE was not found'],
  [400, 'connector_rejected', 'was rejected (HTTP 400)'],
  [422, 'connector_rejected', 'was rejected (HTTP 422)'],
])('HTTP %i becomes %s, saying what to fix', async (status, code, fix) => {
  vendor.on('GET /api/v1/projects/NOPE', { status, json: { errorMessages: ['No project could be found with key NOPE.'], errors: {} }, headers: { 'x-request-id': 'req-77' } });
  const err = await fail(t().request({ path: '/projects/NOPE', query: { expand: 'lead' } }));
  expect(err).toMatchObject({ code, retryable: false, status: 502, expose: false });
  expect(err.message).toContain(fix);
  expect(err.message).toContain('No project could be found with key NOPE.');
  expect(err.extra).toMatchObject({ connector: 'acme', vendorStatus: status, path: '/api/v1/projects/NOPE', requestId: 'req-77', vendorMessage: 'No project could be found with key NOPE.' });
  expect(JSON.stringify(err.extra)).not.toContain('expand');
  expect(vendor.requests).toHaveLength(1);
});

test.each([408, 425])('HTTP %i (not processed: send it again) becomes connector_unavailable, retryable, never a refusal for good', async (status) => {
  vendor.on('GET /api/v1/users', { status, json: { errorSummary: 'Request timed out' } });
  const err = await fail(t().request({ path: '/users' }));
  expect(err).toMatchObject({ code: 'connector_unavailable', retryable: true });
  expect(err.message).toContain(`was not processed (HTTP ${status})`);
});

test('5xx becomes connector_unavailable, retryable', async () => {
  vendor.on('DELETE /api/v1/sessions/1', reply.serverError(500, { errorCode: 'E0000009', errorSummary: 'Internal Server Error' }));
  const err = await fail(t().request({ method: 'DELETE', path: '/sessions/1' }));
  expect(err).toMatchObject({ code: 'connector_unavailable', retryable: true, status: 503 });
  expect(err.message).toContain('E0000009: Internal Server Error');
});

test('bodies in errors are truncated; credentials the vendor echoes are scrubbed', async () => {
  const echo = `{"message":"bad header SSWS ${TOKEN}", "pad":"${'x'.repeat(5000)}", "enc":"${encodeURIComponent(TOKEN)}"}`;
  vendor.on('GET /api/v1/users', { status: 400, body: echo, headers: { 'content-type': 'application/json' } });
  const err = await fail(t().request({ path: '/users' }));
  const all = JSON.stringify({ message: err.message, extra: err.extra, headers: err.headers });
  expect(all).not.toContain(TOKEN);
  expect(all).not.toContain(encodeURIComponent(TOKEN));
  expect(String(err.extra.body).length).toBeLessThan(1100);
  expect(String(err.extra.body)).toMatch(/more characters\]$/);
  expect(err.message).toContain('bad header SSWS [redacted]');
});

test('allowStatus returns the answer instead of an error', async () => {
  vendor.on('GET /api/v1/users/x', reply.notFound({ errorSummary: 'Not found' }));
  const res = await t().request({ path: '/users/x', allowStatus: [404] });
  expect(res).toMatchObject({ status: 404, body: { errorSummary: 'Not found' } });
});

test('2xx bodies: JSON parsed, text kept, empty undefined, declared JSON that does not parse refused', async () => {
  vendor.queue('GET /api/v1/x', reply.json({ a: 1 }), { body: 'plain', headers: { 'content-type': 'text/plain' } }, reply.noContent(),
    { body: '<html>login</html>', headers: { 'content-type': 'application/json' } });
  const tr = t();
  expect((await tr.request({ path: '/x' })).body).toEqual({ a: 1 });
  expect((await tr.request({ path: '/x' })).body).toBe('plain');
  expect((await tr.request({ path: '/x' })).body).toBeUndefined();
  await expect(tr.request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_bad_response', message: expect.stringContaining('check the baseUrl of acme') });
});

test('a body over maxResponseBytes is refused', async () => {
  vendor.on('GET /api/v1/big', reply.json({ pad: 'y'.repeat(5000) }));
  const tr = h.transport({ baseUrl: vendor.url, auth, maxResponseBytes: 1000 });
  await expect(tr.request({ path: '/api/v1/big' })).rejects.toMatchObject({ code: 'connector_bad_response' });
});

test('a path that would leave the base is refused before any request', async () => {
  await expect(t().request({ path: '/../admin' })).rejects.toMatchObject({ code: 'connector_invalid_request' });
  await expect(t().request({ path: 'https://evil.example/x' })).rejects.toMatchObject({ code: 'connector_invalid_request' });
  await expect(t().request({ url: 'http://127.0.0.2:1/x' })).rejects.toMatchObject({ code: 'connector_link_refused' });
  expect(vendor.requests).toHaveLength(0);
});

test('requests go through the egress guard: a loopback vendor is refused unless allowPrivate opens it', async () => {
  vendor.on('GET /api/v1/users', reply.json([]));
  const closed = guardedHttp({ allowPrivate: [] });
  try {
    const tr = createTransport({ name: 'acme', baseUrl: vendor.url, auth, http: closed, clock: h.clock, sleep: h.sleep });
    await expect(tr.request({ path: '/api/v1/users' })).rejects.toMatchObject({ code: 'egress_denied', retryable: false });
    expect(h.waits).toEqual([]);
    expect(vendor.requests).toHaveLength(0);
  } finally {
    await closed.close?.();
  }
});
