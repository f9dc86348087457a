import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { testDeps } from '../../../test/deps';
import { loadSpec } from '../../../test/support/openapi';
import { reply, type VendorRequest, type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { getUser } from './get-user';
import { type OAuthOrg, oauthOrg, type OAuthOrgOptions } from './okta-oauth.testkit';
import { fakeOrg, type FakeOrg } from './okta.testkit';
import { oktaSource } from './source';
import { oktaTransport } from './transport';

/**
 * Okta with OAuth 2.0 (a service app: private_key_jwt, DPoP) against a LOCAL STAND-IN, not Okta:
 * no Okta emulator exists, so okta-oauth.testkit.ts plays the org authorization server and guards
 * the Management API of okta.testkit.ts, verifying everything it receives with jose (assertion
 * signature and claims, proof signature and claims, nonce, ath, cnf.jkt binding, no replays).
 */
const spec = loadSpec(`${__dirname}/../../../../shared/fixtures/openapi/okta-management-minimal.yaml`);
let vendor: VendorServer;
let h: Harness;
let org: FakeOrg;
let oauth: OAuthOrg;

async function start(o: Partial<OAuthOrgOptions> = {}) {
  oauth = await oauthOrg({ clock: h.clock, dpop: true, ...o });
  org.install(oauth.install(vendor));
}

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  org = fakeOrg(5);
});

const connection = (o: Record<string, unknown> = {}) => ({ clientId: oauth.clientId, privateKey: oauth.privateKeyPem, keyId: oauth.kid, ...o });
const tokenRequests = () => vendor.requestsTo('POST /oauth2/v1/token');
const api = () => vendor.requests.filter((r) => r.path.startsWith('/api/'));
const form = (r: VendorRequest) => r.json() as Record<string, string>;

function destination(o: Record<string, unknown> = {}) {
  const config = oktaDestinationSchema.parse({ type: 'okta', baseUrl: vendor.url, oauth: connection(o), on: { 'secorch.identity.compromised': ['suspend', 'clear_sessions'] } });
  const { deps } = testDeps();
  Object.assign(deps, { http: h.http, logger: h.logger, clock: h.clock });
  const deliver = oktaDestination('okta-prod', config, { sleep: h.sleep, random: () => 0.5 });
  return (event: Partial<CloudEvent> = {}) => deliver({ specversion: '1.0', id: 'e1', source: '//test', type: 'secorch.identity.compromised', origin: 'webhook:okta', data: { user: { uid: org.users[1]!.id } }, ...event }, deps);
}
const transport = (o: Record<string, unknown> = {}) => oktaTransport('okta-prod', { baseUrl: vendor.url, oauth: { scopes: ['okta.users.read', 'okta.roles.read'], dpop: true, ...connection(o) } }, h, { sleep: h.sleep });

test('stand-in Okta: suspend with oauth + DPoP; the nonce refusal is retried once; proofs per request; token bound to the proof key', async () => {
  await start();
  const deliver = destination();
  await deliver();
  expect(org.users[1]!.status).toBe('SUSPENDED');
  expect(oauth.problems).toEqual([]);

  const [first, second] = tokenRequests();
  expect(tokenRequests()).toHaveLength(2);
  expect(decodeJwt(String(first!.headers.dpop)).nonce).toBeUndefined();
  expect(decodeJwt(String(second!.headers.dpop)).nonce).toEqual(expect.stringMatching(/^n-/));
  expect(form(second!)).toMatchObject({ grant_type: 'client_credentials', scope: 'okta.users.manage okta.users.read' });
  expect(form(first!).client_assertion).not.toBe(form(second!).client_assertion);
  expect(decodeProtectedHeader(form(second!).client_assertion!)).toEqual({ alg: 'RS256', kid: oauth.kid });

  const calls = api();
  expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /api/v1/users/${org.users[1]!.id}/lifecycle/suspend`, `DELETE /api/v1/users/${org.users[1]!.id}/sessions`]);
  const token = oauth.issued[0]!.token;
  expect(oauth.issued).toHaveLength(1);
  expect(oauth.issued[0]!.jkt).toEqual(expect.any(String));
  expect(calls.every((r) => r.headers.authorization === `DPoP ${token}` && typeof r.headers.dpop === 'string')).toBe(true);
  expect(calls.flatMap((r) => spec.requestProblems({ method: r.method, url: r.url.href, headers: r.headers as Record<string, string> }))).toEqual([]);

  // The token is cached: a second event needs no token request, only fresh proofs.
  await deliver({ type: 'secorch.identity.compromised', data: { user: { uid: org.users[2]!.id } } });
  expect(tokenRequests()).toHaveLength(2);
  expect(org.users[2]!.status).toBe('SUSPENDED');
  expect(oauth.problems).toEqual([]);
  expect(JSON.stringify(h.logs)).not.toContain(token);
});

test('stand-in Okta: no proof is ever sent twice, across calls and across retries of one call', async () => {
  await start();
  vendor.queue('GET /api/v1/users/:id', reply.tooManyRequests('1'), reply.serverError(503));
  const t = transport();
  await getUser(t, org.users[0]!.id);
  await getUser(t, org.users[0]!.id);
  await getUser(t, org.users[3]!.id);
  const proofs = vendor.requests.map((r) => String(r.headers.dpop));
  expect(api()).toHaveLength(5);
  expect(new Set(proofs.map((p) => decodeJwt(p).jti)).size).toBe(proofs.length);
  expect(oauth.problems).toEqual([]);
});

test('stand-in Okta: dpop: false sends a Bearer token and no DPoP header anywhere', async () => {
  await start({ dpop: false });
  await destination({ dpop: false })();
  expect(org.users[1]!.status).toBe('SUSPENDED');
  expect(tokenRequests()).toHaveLength(1);
  expect(vendor.requests.every((r) => r.headers.dpop === undefined)).toBe(true);
  expect(api().every((r) => r.headers.authorization === `Bearer ${oauth.issued[0]!.token}`)).toBe(true);
  expect(oauth.problems).toEqual([]);
});

test('stand-in Okta: a client assertion signed with an unregistered key is refused (invalid_client): connector_auth_failed, no API call, no key material', async () => {
  await start({ registeredKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey });
  const err = await destination()().catch((e) => e);
  expect(err).toMatchObject({ code: 'connector_auth_failed', retryable: false, message: expect.stringContaining('check the client id, key and key id of okta-prod') });
  expect(oauth.problems).toEqual([expect.stringContaining('client assertion: signature verification failed')]);
  expect(api()).toHaveLength(0);
  const shown = JSON.stringify({ m: err.message, x: err.extra, logs: h.logs });
  for (const line of oauth.privateKeyPem.split('\n').filter((l) => l.length > 16)) expect(shown).not.toContain(line);
});

test('stand-in Okta: a private key echoed back by the token endpoint is scrubbed from errors (token and API), their bodies, the check and the logs', async () => {
  await start();
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const asJwk = JSON.stringify({ ...jwk, kid: oauth.kid });
  for (const [privateKey, parts] of [
    [oauth.privateKeyPem, oauth.privateKeyPem.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))],
    [asJwk, [asJwk, jwk.d!]],
  ] as const) {
    oauth.tokenReply = reply.json({ error: 'invalid_client', error_description: `key ${privateKey} / part ${parts.at(-1)}` }, 401);
    const t = transport({ privateKey, keyId: undefined });
    const err = await getUser(t, org.users[0]!.id).catch((e) => e);
    const check = await t.check();
    expect(err).toMatchObject({ code: 'connector_auth_failed' });
    expect(check).toMatchObject({ ok: false, error: { code: 'connector_auth_failed' } });
    const shown = JSON.stringify({ m: err.message, x: err.extra, check, logs: h.logs });
    expect(shown).toContain('[redacted]');
    for (const part of parts) expect(shown).not.toContain(part);
  }
  // The same through an API answer (the transport's scrubber, fed by the auth's secrets()).
  oauth.tokenReply = undefined;
  vendor.queue('GET /api/v1/users/:id', reply.json({ errorCode: 'E0000001', errorSummary: `echo ${oauth.privateKeyPem}` }, 400));
  const echoed = await getUser(transport(), org.users[0]!.id).catch((e) => e);
  expect(echoed).toMatchObject({ code: 'connector_rejected', message: expect.stringContaining('[redacted]') });
  const lines = oauth.privateKeyPem.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'));
  for (const line of lines) expect(JSON.stringify({ m: echoed.message, x: echoed.extra, logs: h.logs })).not.toContain(line);
});

test('stand-in Okta: an EC private JWK (ES256, its own kid) works as the client key', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await start({ registeredKey: ec.publicKey });
  const t = transport({ privateKey: JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: oauth.kid }), keyId: undefined });
  expect(await t.check()).toMatchObject({ ok: true });
  expect(decodeProtectedHeader(form(tokenRequests()[1]!).client_assertion!)).toEqual({ alg: 'ES256', kid: oauth.kid });
  expect(api().map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual(['GET /api/v1/users?limit=1']);
  expect(oauth.problems).toEqual([]);
});

test('stand-in Okta: htu names the decoded path, as Okta compares it (a login with @ in the path)', async () => {
  await start();
  // Okta finds a user by login too (pathId); the DPoP proof must name the decoded path to get that far.
  expect(await getUser(transport(), 'user1@example.com')).toMatchObject({ id: org.users[1]!.id });
  expect(api().map((r) => r.url.pathname)).toEqual(['/api/v1/users/user1%40example.com']);
  expect(decodeJwt(String(api()[0]!.headers.dpop)).htu).toBe(`${vendor.url}/api/v1/users/user1@example.com`);
  expect(oauth.problems).toEqual([]);
});

test('stand-in resource server demanding a nonce (RFC 9449 section 9; Okta does not today): one retry with it, kept for later calls', async () => {
  await start({ resourceNonce: true });
  const t = transport();
  expect(await getUser(t, org.users[0]!.id)).toMatchObject({ id: org.users[0]!.id });
  await getUser(t, org.users[2]!.id);
  expect(api().map((r) => decodeJwt(String(r.headers.dpop)).nonce)).toEqual([undefined, expect.stringMatching(/^rn-/), expect.stringMatching(/^rn-/)]);
  expect(tokenRequests()).toHaveLength(2);
  expect(oauth.problems).toEqual([]);
});

test('stand-in Okta: identity sync reads admin roles with okta.roles.read, and is forbidden without it', async () => {
  await start();
  org.roles.set(org.users[0]!.id, ['SUPER_ADMIN']);
  const pages = [];
  for await (const p of oktaSource(transport(), { mfa: true, adminRoles: true }).pages(undefined, undefined)) pages.push(p);
  expect(pages[0]!.users[0]).toMatchObject({ fields: { adminRoles: ['SUPER_ADMIN'], mfaFactors: 1 } });
  expect(oauth.problems).toEqual([]);

  const narrow = oktaSource(transport({ scopes: ['okta.users.read'] }), { mfa: false, adminRoles: true });
  const read = async () => {
    for await (const _page of narrow.pages(undefined, undefined)) return;
  };
  await expect(read()).rejects.toMatchObject({ code: 'connector_forbidden' });
});
