import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { reply, startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import { type Harness, harness } from '../transport.testkit';
import { clientCredentialsAuth } from './client-credentials';
import { dpop, resourceNonceDemand } from './dpop';
import { sha256url, verifyProof } from './dpop.testkit';

/**
 * DPoP (RFC 9449) proofs, and a token endpoint that wants them: a local server stands in for the
 * authorization server (no vendor runs here), checking each proof with jose (dpop.testkit.ts).
 */
const NOW = Date.parse('2030-01-01T00:00:00Z');

test('a proof (section 4.2): typ, ES256, the public key only; htm, htu without query and fragment, iat, jti, ath, nonce', async () => {
  const d = dpop();
  const seen = new Set<string>();
  const proof = await d.proof({ method: 'get', url: 'https://api.example/v1/users/x?limit=1#frag', accessToken: 'at-1', nonce: 'n-1' }, NOW);
  const header = decodeProtectedHeader(proof) as { jwk: JWK };
  expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) } });
  const { payload, jkt } = await verifyProof(proof, { method: 'GET', htu: 'https://api.example/v1/users/x', nowMs: NOW, seen, accessToken: 'at-1' });
  expect(payload).toEqual({ htm: 'GET', htu: 'https://api.example/v1/users/x', iat: NOW / 1000, jti: expect.any(String), ath: sha256url('at-1'), nonce: 'n-1' });
  expect(jkt).toBe(await calculateJwkThumbprint(header.jwk));

  // One key per instance, a new jti per proof; another instance has another key.
  const again = await d.proof({ method: 'POST', url: 'https://as.example/token' }, NOW + 1000);
  expect(decodeProtectedHeader(again).jwk).toEqual(header.jwk);
  expect(decodeJwt(again).jti).not.toBe(payload.jti);
  expect(decodeJwt(again)).not.toHaveProperty('ath');
  const other = await dpop().proof({ method: 'GET', url: 'https://api.example/' }, NOW);
  expect(decodeProtectedHeader(other).jwk).not.toEqual(header.jwk);
});

test('a resource server nonce demand (section 9) is a 401 DPoP challenge with use_dpop_nonce and a DPoP-Nonce header', () => {
  const answer = (status: number, h: Record<string, string>) => ({ status, headers: new Headers(h) });
  expect(resourceNonceDemand(answer(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce"', 'dpop-nonce': 'n2' }))).toBe('n2');
  expect(resourceNonceDemand(answer(401, { 'www-authenticate': 'Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce"', 'dpop-nonce': 'n3' }))).toBe('n3');
  expect(resourceNonceDemand(answer(401, { 'www-authenticate': 'DPoP error="invalid_token"', 'dpop-nonce': 'n2' }))).toBeUndefined();
  expect(resourceNonceDemand(answer(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"' }))).toBeUndefined();
  expect(resourceNonceDemand(answer(400, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n2' }))).toBeUndefined();
});

describe('a token endpoint that wants DPoP (a local stand-in server)', () => {
  let vendor: VendorServer;
  let h: Harness;
  const seen = new Set<string>();
  beforeEach(async () => {
    vendor = await startVendorServer();
    h = harness(NOW);
    vendor.on('GET /api/me', (req) => reply.json({ auth: req.headers.authorization, dpop: req.headers.dpop ?? null }));
  });
  afterEach(async () => {
    await h.close();
    await vendor.close();
  });
  const t = () => h.transport({ baseUrl: `${vendor.url}/api`, auth: clientCredentialsAuth({ tokenUrl: `${vendor.url}/token`, clientId: 'c', clientSecret: 'cc-secret-1', dpop: dpop() }) });
  const proofOf = async (header: unknown) => verifyProof(header as string, { method: 'POST', htu: `${vendor.url}/token`, nowMs: h.clock.now(), seen });

  test('a nonce refusal is answered once; a second one fails with a fix; nonces are kept for the next token', async () => {
    vendor.on('POST /token', async (req) => {
      const { payload } = await proofOf(req.headers.dpop);
      if (payload.nonce !== 'n-ok') return { status: 400, json: { error: 'use_dpop_nonce' }, headers: { 'dpop-nonce': 'n-ok' } };
      return reply.json({ access_token: 'at-dpop-1', token_type: 'DPoP', expires_in: 600 });
    });
    const body = (await t().request({ path: '/me' })).body as { auth: string; dpop: string };
    expect(body.auth).toBe('DPoP at-dpop-1');
    expect(decodeJwt(body.dpop)).toMatchObject({ htm: 'GET', htu: `${vendor.url}/api/me`, ath: sha256url('at-dpop-1') });
    expect(vendor.requestsTo('POST /token').map((r) => decodeJwt(String(r.headers.dpop)).nonce)).toEqual([undefined, 'n-ok']);

    vendor.on('POST /token', { status: 400, json: { error: 'use_dpop_nonce' }, headers: { 'dpop-nonce': 'n-new' } });
    const err = await t().request({ path: '/me' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_auth_failed', message: expect.stringContaining('refused the DPoP proof (use_dpop_nonce)') });
    expect(vendor.requestsTo('POST /token')).toHaveLength(4);
  });

  test('a server that ignores the proof issues a bearer token: sent as Bearer, without a proof', async () => {
    vendor.on('POST /token', reply.json({ access_token: 'at-bearer-1', token_type: 'Bearer', expires_in: 600 }));
    expect((await t().request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-bearer-1', dpop: null });
    expect(vendor.requestsTo('POST /token')[0]!.headers.dpop).toEqual(expect.any(String));
  });

  test('a refused proof (invalid_dpop_proof) says to check the DPoP setting', async () => {
    vendor.on('POST /token', reply.json({ error: 'invalid_dpop_proof', error_description: 'The DPoP proof JWT header is missing.' }, 400));
    await expect(t().request({ path: '/me' })).rejects.toMatchObject({ code: 'connector_auth_failed', message: expect.stringContaining('turn DPoP on for acme if its client requires DPoP') });
  });
});
