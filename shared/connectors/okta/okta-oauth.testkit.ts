import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { VendorHandler, VendorReply, VendorRequest, VendorServer } from '../../../test/support/vendor-server';
import type { Clock } from '../../ports/clock';
import { verifyProof } from '../auth/dpop.testkit';

/**
 * A STAND-IN for the OAuth side of an Okta org. There is no Okta emulator, so this plays, on the
 * local vendor server (127.0.0.1), the org authorization server's token endpoint
 * (POST /oauth2/v1/token) and guards the Management API routes of okta.testkit.ts as Okta
 * documents (https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/,
 * https://developer.okta.com/docs/guides/dpop/oktaresourceserver/main/). It verifies with jose
 * whatever it receives: the client assertion's signature against the registered public key, its
 * iss, sub, aud, exp and jti; each DPoP proof's signature, typ, htm, htu, iat, jti (never twice),
 * nonce and ath; and that a token is used with the key it was bound to (`cnf.jkt`). A failed
 * check is answered as Okta answers it and recorded in `problems`, so tests name the cause.
 */
export interface OAuthOrgOptions {
  clock: Clock;
  /** The app requires DPoP ("Require Demonstrating Proof of Possession (DPoP) header in token requests"). */
  dpop: boolean;
  /** Scopes granted to the app. */
  granted?: string[];
  /** The key the app verifies assertions with; default the public half of the generated client key. */
  registeredKey?: KeyObject;
  /** Demand a nonce on API calls too (RFC 9449 section 9; Okta's API does not currently). */
  resourceNonce?: boolean;
}

export interface OAuthOrg {
  readonly clientId: string;
  /** The client's RSA private key as PKCS#8 PEM, as it would be configured. */
  readonly privateKeyPem: string;
  readonly kid: string;
  readonly problems: string[];
  /** Every token issued, with the key thumbprint it is bound to. */
  readonly issued: { token: string; jkt?: string; scopes: string[] }[];
  /** jti of every accepted DPoP proof. */
  readonly proofJtis: Set<string>;
  /** What the token endpoint answers next, instead of checking (e.g. an echo of the key). */
  tokenReply?: VendorReply;
  /** Installs the token endpoint; returns a server whose `on()` guards routes with token checks. */
  install(vendor: VendorServer): VendorServer;
}

const WRITE = /\/lifecycle\/|\/sessions$/;
/** The scope each route of the connector needs (Okta's Management API description). */
const scopeFor = (req: VendorRequest) => (req.path.startsWith('/api/v1/iam/') || req.path.endsWith('/roles') ? 'okta.roles.read' : WRITE.test(req.path) ? 'okta.users.manage' : 'okta.users.read');
const oauthError = (status: number, error: string, description: string, headers: Record<string, string> = {}): VendorReply => ({ status, json: { error, error_description: description }, headers });
/** Okta compares htu with the request's decoded path. */
const htuOf = (req: VendorRequest) => `${req.url.origin}${decodeURIComponent(req.url.pathname)}`;

export async function oauthOrg(o: OAuthOrgOptions): Promise<OAuthOrg> {
  const client = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // The org's own key, signing the access tokens it issues.
  const signing = await generateKeyPair('ES256');
  const assertionJtis = new Set<string>();
  const nonces = { token: `n-${randomUUID()}`, resource: `rn-${randomUUID()}` };
  const granted = o.granted ?? ['okta.users.manage', 'okta.users.read', 'okta.roles.read'];
  const now = () => new Date(o.clock.now());

  const org: OAuthOrg = {
    clientId: '0oa1serviceapp00000x7',
    privateKeyPem: client.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    kid: 'secorch-key-1',
    problems: [],
    issued: [],
    proofJtis: new Set(),
    install(vendor) {
      const tokenUrl = `${vendor.url}/oauth2/v1/token`;
      const refuse = (reply: VendorReply, why: string): VendorReply => {
        org.problems.push(why);
        return reply;
      };

      const token: VendorHandler = async (req) => {
        if (org.tokenReply) return org.tokenReply;
        const form = req.json() as Record<string, string>;
        if (form.grant_type !== 'client_credentials' || form.client_secret !== undefined) return refuse(oauthError(400, 'invalid_request', 'client_credentials only'), 'not a private_key_jwt client credentials request');
        if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return refuse(oauthError(401, 'invalid_client', 'client_assertion_type'), 'wrong client_assertion_type');
        try {
          const { payload, protectedHeader } = await jwtVerify(form.client_assertion ?? '', o.registeredKey ?? client.publicKey, {
            issuer: org.clientId, subject: org.clientId, audience: tokenUrl, currentDate: now(), requiredClaims: ['exp', 'jti'],
          });
          if (protectedHeader.kid !== org.kid) throw new Error(`kid ${protectedHeader.kid}`);
          if (payload.exp! - o.clock.now() / 1000 > 3600) throw new Error('exp more than an hour ahead');
          if (assertionJtis.has(payload.jti!)) throw new Error('the client assertion was replayed');
          assertionJtis.add(payload.jti!);
        } catch (e) {
          return refuse(oauthError(401, 'invalid_client', 'The client_assertion token is invalid.'), `client assertion: ${(e as Error).message}`);
        }
        const scopes = String(form.scope ?? '').split(' ').filter(Boolean);
        const refused = scopes.filter((s) => !granted.includes(s));
        if (scopes.length === 0 || refused.length > 0) return oauthError(400, 'invalid_scope', `The following scopes are not allowed: ${refused.join(', ')}`);
        let jkt: string | undefined;
        if (o.dpop) {
          try {
            const proof = await verifyProof(req.headers.dpop, { method: 'POST', htu: tokenUrl, nowMs: o.clock.now(), seen: org.proofJtis });
            if (proof.payload.nonce !== nonces.token) {
              return oauthError(400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof.', { 'dpop-nonce': nonces.token });
            }
            jkt = proof.jkt;
          } catch (e) {
            return refuse(oauthError(400, 'invalid_dpop_proof', 'The DPoP proof JWT is invalid.'), `token request proof: ${(e as Error).message}`);
          }
        } else if (req.headers.dpop !== undefined) {
          org.problems.push('a DPoP proof was sent to an app without DPoP');
        }
        const iat = Math.floor(o.clock.now() / 1000);
        const access = await new SignJWT({ scp: scopes, cid: org.clientId, ...(jkt ? { cnf: { jkt } } : {}) })
          .setProtectedHeader({ alg: 'ES256', kid: 'okta-org-key' }).setIssuer(vendor.url).setAudience(vendor.url).setSubject(org.clientId)
          .setJti(`AT.${randomUUID()}`).setIssuedAt(iat).setExpirationTime(iat + 3600).sign(signing.privateKey);
        org.issued.push({ token: access, jkt, scopes });
        return { status: 200, json: { token_type: jkt ? 'DPoP' : 'Bearer', expires_in: 3600, access_token: access, scope: scopes.join(' ') } };
      };
      vendor.on('POST /oauth2/v1/token', token);

      const challenge = (scheme: string, error: string) => ({ 'www-authenticate': `${scheme} error="${error}", realm="${vendor.url}"` });
      const guard = (handler: VendorHandler): VendorHandler => async (req) => {
        const [scheme, value] = String(req.headers.authorization ?? '').split(' ');
        let claims: { scp?: string[]; cnf?: { jkt?: string } };
        try {
          claims = (await jwtVerify<{ scp?: string[]; cnf?: { jkt?: string } }>(value ?? '', signing.publicKey, { issuer: vendor.url, audience: vendor.url, currentDate: now() })).payload;
        } catch (e) {
          return refuse({ status: 401, json: { errorCode: 'E0000011', errorSummary: 'Invalid token provided' }, headers: challenge(o.dpop ? 'DPoP' : 'Bearer', 'invalid_token') }, `api token: ${(e as Error).message}`);
        }
        const bound = claims.cnf?.jkt;
        if (bound) {
          if (scheme !== 'DPoP') return refuse({ status: 401, headers: challenge('DPoP', 'invalid_token') }, `a DPoP-bound token sent with scheme ${scheme}`);
          try {
            const proof = await verifyProof(req.headers.dpop, { method: req.method, htu: htuOf(req), nowMs: o.clock.now(), seen: org.proofJtis, accessToken: value });
            if (proof.jkt !== bound) throw new Error('the proof key is not the key the token is bound to (cnf.jkt)');
            if (o.resourceNonce && proof.payload.nonce !== nonces.resource) return { status: 401, headers: { ...challenge('DPoP', 'use_dpop_nonce'), 'dpop-nonce': nonces.resource } };
          } catch (e) {
            return refuse({ status: 400, headers: challenge('DPoP', 'invalid_dpop_proof') }, `${req.method} ${req.path} proof: ${(e as Error).message}`);
          }
        } else if (scheme !== 'Bearer' || req.headers.dpop !== undefined) {
          return refuse({ status: 401, headers: challenge('Bearer', 'invalid_token') }, `a bearer token sent as ${scheme}${req.headers.dpop ? ' with a DPoP proof' : ''}`);
        }
        if (!claims.scp?.includes(scopeFor(req))) {
          return { status: 403, json: { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' }, headers: challenge(bound ? 'DPoP' : 'Bearer', 'insufficient_scope') };
        }
        return handler(req);
      };
      return { ...vendor, on: (route, handler) => vendor.on(route, guard(typeof handler === 'function' ? handler : () => handler)) };
    },
  };
  return org;
}
