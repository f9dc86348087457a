import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { surface } from '../slack/events.testkit';
import type { Harness } from '../transport.testkit';
import { restDestinationSchema } from './config';
import { restDestination } from './destination';
import { idempotencyKey } from './idempotency-key';
import { eachRestTest, userEvent } from './rest.testkit';

let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachRestTest((kit) => ({ vendor, h, deps } = kit));

const TOKEN = 'tok-0123456789abcdef';
const destination = (extra: object, name = 'tagger') =>
  restDestination(name, restDestinationSchema.parse({ type: 'rest', baseUrl: `${vendor.url}/api/v2`, ...extra }), { sleep: h.sleep, random: () => 0.5 });
const rawPath = (i = 0) => vendor.requests[i]!.url.pathname;

test('the request is exactly the configured one: method, encoded path, query, headers, JSON body, auth header', async () => {
  vendor.on('PUT /api/v2/users/:id/tags/:tag', reply.noContent());
  await destination({
    method: 'put',
    path: '/users/{{ data.user.id }}/tags/{{ data.severity }} level',
    query: { reason: '{{ type }}', tag: '{{ data.tags }}', missing: '{{ data.nope }}' },
    headers: { 'X-Source': 'secorch {{ source }}', 'X-Empty': '{{ data.nope }}' },
    body: { email: '{{ data.user.email }}', count: '{{ data.count }}', tags: '{{ data.tags }}', note: 'n={{ data.count }}', gone: '{{ data.nope }}' },
    auth: { type: 'api-token', header: 'X-API-Key', token: TOKEN },
  })(userEvent(), deps);
  const req = vendor.requests[0]!;
  expect(req.method).toBe('PUT');
  expect(rawPath()).toBe('/api/v2/users/00u42/tags/High%20level');
  expect([...req.query]).toEqual([['reason', 'secorch.iam.account_change'], ['tag', 'a'], ['tag', 'b']]);
  expect(req.headers['x-source']).toBe('secorch /webhooks/okta');
  expect(req.headers['x-api-key']).toBe(TOKEN);
  expect(req.headers['x-empty']).toBeUndefined();
  expect(req.headers['content-type']).toBe('application/json');
  expect(req.json()).toEqual({ email: 'ana@example.com', count: 3, tags: ['a', 'b'], note: 'n=3' });
  expect(h.logs.find((l) => l.msg === 'rest request sent')?.fields).toEqual({ destination: 'tagger', eventId: 'evt-1', method: 'PUT', status: 204 });
});

test('hostile event values stay data: they cannot add path segments, query parameters or headers', async () => {
  vendor.on('POST /api/v2/users/:id', reply.json({ ok: true }));
  const hostile = userEvent({ user: { id: 'admin/x?role=admin#frag', email: 'a@b' } });
  const deliver = destination({ path: '/users/{{ data.user.id }}', query: { q: '{{ data.user.email }}' }, headers: { 'X-Who': '{{ data.who }}' }, body: { id: '{{ data.user.id }}' } });
  await deliver(hostile, deps);
  expect(rawPath()).toBe('/api/v2/users/admin%2Fx%3Frole%3Dadmin%23frag');
  expect([...vendor.requests[0]!.query]).toEqual([['q', 'a@b']]);
  expect(vendor.requests[0]!.json()).toEqual({ id: 'admin/x?role=admin#frag' });

  for (const [data, code] of [[{ user: { id: '..' } }, 'template_refused'], [{ user: { id: '../admin' } }, 'template_refused'], [{ user: { id: 'a\\..\\b' } }, 'template_refused'], [{ user: { id: 'a\ud800b' } }, 'template_refused'], [{ user: { id: '' } }, 'template_empty'], [{ who: 'x\r\nX-Admin: 1' }, 'template_refused'], [{ who: 'caf\u00e9 \u2603' }, 'template_refused']] as const) {
    await expect(deliver(userEvent(data), deps)).rejects.toMatchObject({ code, status: 422, retryable: false });
  }
  expect(vendor.requests).toHaveLength(1);
});

test('text body with contentType, templated method, request to baseUrl itself when no path is set', async () => {
  vendor.on('PATCH /api/v2', reply.json({}));
  vendor.on('DELETE /api/v2', reply.json({}));
  const deliver = destination({ method: '{{ data.verb }}', body: 'user={{ data.user.id }}&level={{ data.severity }}', contentType: 'application/x-www-form-urlencoded' });
  await deliver(userEvent({ verb: 'patch' }), deps);
  expect(vendor.requests[0]).toMatchObject({ method: 'PATCH', path: '/api/v2', body: 'user=00u42&level=High' });
  expect(vendor.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  await expect(deliver(userEvent({ verb: 'TRACE' }), deps)).rejects.toMatchObject({ code: 'template_refused' });
  await expect(deliver(userEvent({ verb: 'GET' }), deps)).rejects.toMatchObject({ code: 'template_refused' });
  expect(vendor.requests).toHaveLength(1);
});

test('an event type outside `on` sends nothing', async () => {
  vendor.on('POST /api/v2', reply.json({}));
  const deliver = destination({ on: ['secorch.finding.*'] });
  await deliver(userEvent(), deps);
  expect(vendor.requests).toHaveLength(0);
  await deliver(userEvent({}, { type: 'secorch.finding.created' }), deps);
  expect(vendor.requests).toHaveLength(1);
});

test('429 with Retry-After is waited out and resent, even for a POST', async () => {
  vendor.queue('POST /api/v2/alerts', reply.tooManyRequests('7'));
  vendor.on('POST /api/v2/alerts', reply.json({}, 201));
  await destination({ path: '/alerts', body: { a: 1 } })(userEvent(), deps);
  expect(h.waits).toEqual([7000]);
  expect(vendor.requestsTo('POST /api/v2/alerts')).toHaveLength(2);
});

test('401 is final and names the credentials, which show nowhere even when echoed', async () => {
  vendor.on('POST /api/v2/alerts', reply.unauthorized({ message: `bad password s3cret-passw0rd for ops` }));
  const e = await destination({ path: '/alerts', auth: { type: 'basic', username: 'ops', password: 's3cret-passw0rd' } })(userEvent(), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_auth_failed', retryable: false, extra: { vendorStatus: 401, connector: 'tagger' } });
  expect(vendor.requests).toHaveLength(1);
  expect(vendor.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret-passw0rd').toString('base64')}`);
  expect(surface(e)).not.toContain('s3cret-passw0rd');
  expect(JSON.stringify(h.logs)).not.toContain('s3cret-passw0rd');
});

test('a POST is not resent after a 5xx, nor left for the queue to resend; with an idempotency key, or as PUT, it is', async () => {
  vendor.on('POST /api/v2/alerts', reply.json({}, 201));
  vendor.on('PUT /api/v2/alerts', reply.json({}));
  vendor.queue('POST /api/v2/alerts', reply.serverError(502));
  await expect(destination({ path: '/alerts' })(userEvent(), deps)).rejects.toMatchObject({
    code: 'connector_outcome_unknown', retryable: false, extra: { vendorStatus: 502, outcomeUnknown: true, failure: 'connector_unavailable' },
  });
  expect(vendor.requests).toHaveLength(1);

  vendor.queue('POST /api/v2/alerts', reply.serverError(502));
  await destination({ path: '/alerts', idempotencyKeyHeader: 'Idempotency-Key' })(userEvent(), deps);
  const keyed = vendor.requests.slice(1).map((r) => r.headers['idempotency-key']);
  expect(keyed).toEqual([idempotencyKey('tagger', userEvent()), idempotencyKey('tagger', userEvent())]);

  vendor.queue('PUT /api/v2/alerts', reply.serverError(503));
  await destination({ path: '/alerts', method: 'PUT' })(userEvent(), deps);
  expect(vendor.requestsTo('PUT /api/v2/alerts')).toHaveLength(2);
});

test('the idempotency key is stable per event and destination, and shaped as a UUID', () => {
  const e1 = userEvent();
  expect(idempotencyKey('a', e1)).toBe(idempotencyKey('a', userEvent()));
  expect(idempotencyKey('a', e1)).not.toBe(idempotencyKey('b', e1));
  expect(idempotencyKey('a', e1)).not.toBe(idempotencyKey('a', userEvent({}, { id: 'evt-2' })));
  expect(idempotencyKey('a', e1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('expectStatus: a listed 404 is done; an unlisted 2xx is a final error', async () => {
  vendor.on('DELETE /api/v2/users/:id', reply.notFound());
  await destination({ method: 'DELETE', path: '/users/{{ data.user.id }}', expectStatus: [204, 404] })(userEvent(), deps);
  vendor.on('POST /api/v2/alerts', reply.json({}, 200));
  const e = destination({ path: '/alerts', expectStatus: [201] })(userEvent(), deps);
  await expect(e).rejects.toMatchObject({ code: 'connector_bad_response', retryable: false, extra: { vendorStatus: 200, path: '/api/v2/alerts' } });
  await expect(destination({ path: '/alerts' })(userEvent(), deps)).resolves.toBeUndefined();
});

test('OAuth2 client credentials: the token is fetched once and sent as a bearer token', async () => {
  vendor.on('POST /oauth/token', reply.json({ access_token: 'at-0123456789', token_type: 'bearer', expires_in: 3600 }));
  vendor.on('POST /api/v2/alerts', reply.json({}, 201));
  const deliver = destination({ path: '/alerts', auth: { type: 'oauth2-client-credentials', tokenUrl: `${vendor.url}/oauth/token`, clientId: 'cid', clientSecret: 'csecret-123456', scopes: ['alerts.write'] } });
  await deliver(userEvent(), deps);
  await deliver(userEvent(), deps);
  expect(vendor.requestsTo('POST /oauth/token')).toHaveLength(1);
  expect(vendor.requestsTo('POST /oauth/token')[0]!.json()).toMatchObject({ grant_type: 'client_credentials', scope: 'alerts.write' });
  expect(vendor.requestsTo('POST /api/v2/alerts').map((r) => r.headers.authorization)).toEqual(['Bearer at-0123456789', 'Bearer at-0123456789']);
});
