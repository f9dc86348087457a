import { testDeps } from '../../../test/deps';
import { loadSpec } from '../../../test/support/openapi';
import { reply, type VendorRequest } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { localOktaOrg } from './local-org.testkit';
import { oktaSource } from './source';
import { oktaTransport } from './transport';

/**
 * Okta against a local server speaking the Management API (okta.testkit.ts); every request sent
 * and every response parsed is checked against Okta's OpenAPI description
 * (../shared/fixtures/openapi/okta-management-minimal.yaml).
 */
const spec = loadSpec(`${__dirname}/../../../../shared/fixtures/openapi/okta-management-minimal.yaml`);
const TOKEN = 'okta-token-00abcdef';
const local = localOktaOrg(5);

const contract = (requests: VendorRequest[]) => requests.flatMap((r) => spec.requestProblems({ method: r.method, url: r.url.href, headers: r.headers as Record<string, string> }));

function destination(extra: Record<string, unknown> = {}) {
  const config = oktaDestinationSchema.parse({
    type: 'okta', baseUrl: local.vendor.url, apiToken: TOKEN,
    on: { 'secorch.identity.compromised': ['suspend', 'clear_sessions'], 'secorch.identity.cleared': 'unsuspend' }, ...extra,
  });
  const { deps } = testDeps();
  Object.assign(deps, { http: local.h.http, logger: local.h.logger });
  const deliver = oktaDestination('okta-prod', config, { sleep: local.h.sleep, random: () => 0.5 });
  return (event: Partial<CloudEvent>) => deliver({ specversion: '1.0', id: 'e1', source: '//test', type: 'secorch.identity.compromised', origin: 'webhook:okta', data: { user: { uid: local.org.users[1]!.id } }, ...event }, deps);
}

test('suspend and clear sessions: requests match the spec; a redelivery is success; the log names the user, never the token', async () => {
  const deliver = destination();
  await deliver({});
  await deliver({});
  const id = local.org.users[1]!.id;
  expect(local.org.users[1]!.status).toBe('SUSPENDED');
  expect(local.vendor.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
    `POST /api/v1/users/${id}/lifecycle/suspend`,
    `DELETE /api/v1/users/${id}/sessions?oauthTokens=true`,
    // Redelivered: Okta refuses to suspend a SUSPENDED user (400); the lookup shows it is done.
    `POST /api/v1/users/${id}/lifecycle/suspend`,
    `GET /api/v1/users/${id}`,
    `DELETE /api/v1/users/${id}/sessions?oauthTokens=true`,
  ]);
  expect(local.vendor.requests.every((r) => r.headers.authorization === `SSWS ${TOKEN}`)).toBe(true);
  expect(contract(local.vendor.requests)).toEqual([]);
  const actions = local.h.logs.filter((l) => l.msg === 'identity action').map((l) => [l.fields.action, l.fields.user, l.fields.outcome]);
  expect(actions).toEqual([['suspend', id, 'done'], ['clear_sessions', id, 'done'], ['suspend', id, 'unchanged'], ['clear_sessions', id, 'done']]);
  expect(JSON.stringify(local.h.logs)).not.toContain(TOKEN);
  await destination()({ type: 'secorch.identity.cleared' });
  expect(local.org.users[1]!.status).toBe('ACTIVE');
});

test('origins: api:* refused unless allowed, a missing origin refused; an unresolved user refused; other types ignored', async () => {
  await expect(destination()({ origin: 'api:key-1' })).rejects.toMatchObject({ code: 'identity_action_refused', retryable: false });
  await expect(destination()({ origin: undefined })).rejects.toMatchObject({ code: 'identity_action_refused' });
  await expect(destination()({ data: { user: {} } })).rejects.toMatchObject({ code: 'identity_user_unresolved' });
  await destination()({ type: 'secorch.finding.created' });
  expect(local.vendor.requests).toHaveLength(0);
  await destination({ allowApiOrigin: true, user: '{{ data.actor.user.uid }}' })({ origin: 'api:key-1', data: { actor: { user: { uid: local.org.users[2]!.id } } } });
  expect(local.org.users[2]!.status).toBe('SUSPENDED');
});

test('429 with Retry-After is waited out; 401 is final and names the fix; an unknown user is connector_not_found', async () => {
  local.vendor.queue('POST /api/v1/users/:id/lifecycle/suspend', reply.tooManyRequests('3', {}, { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' }));
  await destination()({});
  expect(local.h.waits).toEqual([3000]);
  local.vendor.queue('DELETE /api/v1/users/:id/sessions', reply.json({ errorCode: 'E0000011', errorSummary: 'Invalid token provided' }, 401));
  const refused = destination()({});
  await expect(refused).rejects.toMatchObject({ code: 'connector_auth_failed', message: expect.stringContaining('check the credentials of okta-prod') });
  await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining(TOKEN) });
  await expect(destination()({ data: { user: { uid: '00unknown' } } })).rejects.toMatchObject({ code: 'connector_not_found' });
});

test('429 as Okta sends it: no Retry-After, X-Rate-Limit-Reset in epoch seconds read against Date; a reset past the budget is left to the queue', async () => {
  const date = 'Tue, 01 Jan 2030 00:00:00 GMT';
  const limited = (inSeconds: number) => reply.json({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' }, 429,
    { date, 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Date.parse(date) / 1000 + inSeconds) });
  local.vendor.queue('POST /api/v1/users/:id/lifecycle/suspend', limited(7));
  await destination()({});
  expect(local.h.waits).toEqual([7000]);
  local.vendor.queue('DELETE /api/v1/users/:id/sessions', limited(45));
  await expect(destination()({})).rejects.toMatchObject({ code: 'connector_rate_limited', retryable: true, extra: { retryAfterMs: 45_000 } });
});

test('the sync source: users, factors and admin roles read with spec-valid requests; responses valid; check()', async () => {
  local.org.roles.set(local.org.users[0]!.id, ['SUPER_ADMIN']);
  local.org.users[4]!.status = 'DEPROVISIONED';
  const t = oktaTransport('okta-prod', { baseUrl: local.vendor.url, apiToken: TOKEN }, local.h, { sleep: local.h.sleep });
  const source = oktaSource(t, { pageSize: 2, mfa: true, adminRoles: true });
  const pages = [];
  for await (const p of source.pages(undefined, undefined)) pages.push(p);
  expect(pages.map((p) => p.users.length)).toEqual([2, 2]);
  expect(pages[0]!.users[0]).toEqual({ id: local.org.users[0]!.id, fields: { status: 'ACTIVE', active: true, email: 'user0@example.com', name: 'User 0', mfaFactors: 1, adminRoles: ['SUPER_ADMIN'] } });
  expect(await source.lookup!(local.org.users[4]!.id)).toMatchObject({ fields: { status: 'DEPROVISIONED', active: false } });
  expect(await source.lookup!('00unone')).toEqual({ id: '00unone', fields: {}, removed: true });
  expect(await t.check()).toMatchObject({ ok: true });
  expect(contract(local.vendor.requests)).toEqual([]);
  const checked = local.vendor.requests.filter((r) => r.path !== '/api/v1/users/00unone');
  expect(checked.some((r) => r.path.endsWith('/roles'))).toBe(true);
  expect(checked.length).toBeGreaterThan(8);
  const served = await Promise.all(checked.map(async (r) => {
    const res = await fetch(r.url.href, { headers: { authorization: `SSWS ${TOKEN}` } });
    return spec.responseProblems({ method: r.method, url: r.url.href }, res.status, await res.json());
  }));
  expect(served.flat()).toEqual([]);
});
