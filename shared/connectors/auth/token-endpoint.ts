import { readCapped, tryJson } from '../body';
import { ConnectorError, type ConnectorErrorFacts } from '../errors';
import { fetchFailure } from '../failures';
import { requestedWaitMs } from '../retry/rate-limit';
import { scrubber, truncate } from '../scrub';
import { requestId } from '../vendor-error';
import { authenticateClient, type ClientCredentials } from './client-auth';
import { type Dpop, nonceOf } from './dpop';
import type { AuthContext } from './types';

/**
 * One OAuth 2.0 token request (RFC 6749 sections 4.4 and 6): a form POST, the client
 * authenticated as client-auth.ts says, with a DPoP proof when the client binds its tokens
 * (RFC 9449 section 5). Refusals become typed errors that say what to fix; nothing the endpoint
 * echoes reaches them unscrubbed. No retries here (the transport's caller, its queue, retries)
 * but one: a DPoP server that asks for a nonce gets the request again, with it.
 */
export interface TokenClient extends ClientCredentials {
  /** Binds the tokens to this key (RFC 9449); the token type is then `DPoP`. */
  dpop?: Dpop;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: string;
  expiresInSec?: number;
  refreshToken?: string;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/** RFC 6749 section 5.2 error codes (and RFC 9449 section 12.2's), as fixes. */
function refusal(error: string | undefined, c: string, hint: string, client: TokenClient, status?: number): [ConnectorError['code'], string] {
  const credentials = client.clientAuth === 'private_key_jwt' ? 'client id, key and key id' : 'client id and secret';
  if (error === 'invalid_scope') return ['connector_forbidden', `${c}: the token endpoint refused the requested scopes (invalid_scope); grant them to the client of ${c} or change scopes`];
  if (error === 'invalid_grant') return ['connector_auth_failed', `${c}: the token endpoint refused the grant (invalid_grant); ${hint}`];
  if (error === 'invalid_dpop_proof' || error === 'use_dpop_nonce') return ['connector_auth_failed', `${c}: the token endpoint refused the DPoP proof (${error}); turn DPoP on for ${c} if its client requires DPoP, off if it does not`];
  // Auth0 answers a wrong client secret with 401 access_denied: any 401 is the client's credentials.
  if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) return ['connector_auth_failed', `${c}: the token endpoint refused the client (${error}); check the ${credentials} of ${c}`];
  return ['connector_rejected', `${c}: the token endpoint refused the request${error ? ` (${error})` : ''}; check the tokenUrl and grant settings of ${c}`];
}

interface Answer {
  res: Response;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** One POST: fresh client credentials and DPoP proof each time. */
async function exchange(ctx: AuthContext, client: TokenClient, params: Record<string, string>, facts: ConnectorErrorFacts, sent: string[]): Promise<Answer> {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const assertion = await authenticateClient(client, headers, body, ctx.clock.now());
  if (assertion !== undefined) sent.push(assertion);
  if (client.dpop) headers.dpop = await client.dpop.proof({ method: 'POST', url: client.tokenUrl, nonce: client.dpop.nonces.token }, ctx.clock.now());
  const deadline = ctx.timeoutSignal();
  try {
    // Redirects are refused: a redirected token request would resend the client's credentials elsewhere.
    const res = await ctx.http.fetch(client.tokenUrl, { method: 'POST', headers, body, signal: deadline, redirect: 'error' });
    const text = (await readCapped(res, ERROR_BODY_LIMIT)).text;
    const nonce = nonceOf(res.headers);
    if (client.dpop && nonce !== undefined) client.dpop.nonces.token = nonce;
    return { res, text, json: tryJson(text) as Record<string, unknown> | undefined };
  } catch (e) {
    throw fetchFailure(e, facts, deadline);
  }
}

const asksForNonce = (a: Answer) => a.res.status === 400 && a.json?.error === 'use_dpop_nonce' && nonceOf(a.res.headers) !== undefined;

export async function requestToken(ctx: AuthContext, client: TokenClient, params: Record<string, string>, invalidGrantHint: string): Promise<IssuedToken> {
  const c = ctx.connector;
  const sent: string[] = [];
  const scrub = scrubber(() => [client.clientSecret ?? '', params.refresh_token ?? '', ...(client.privateKey?.secrets ?? []), ...sent]);
  const facts: ConnectorErrorFacts = { connector: c, method: 'POST', path: new URL(client.tokenUrl).pathname, grant: params.grant_type };
  let answer = await exchange(ctx, client, params, facts, sent);
  // RFC 9449 section 8: the first proof (or one with a stale nonce) is refused with a nonce to use.
  if (client.dpop && asksForNonce(answer)) answer = await exchange(ctx, client, params, facts, sent);
  const { res, text, json } = answer;
  if (res.ok && typeof json?.access_token === 'string' && json.access_token !== '') {
    const expires = Number(json.expires_in);
    return {
      accessToken: json.access_token,
      tokenType: typeof json.token_type === 'string' ? json.token_type : 'Bearer',
      expiresInSec: Number.isFinite(expires) && expires > 0 ? expires : undefined,
      refreshToken: typeof json.refresh_token === 'string' && json.refresh_token !== '' ? json.refresh_token : undefined,
    };
  }
  const quoted = {
    vendorStatus: res.status,
    requestId: requestId(res.headers),
    // The success body holds the very token; only refusals are quoted.
    body: res.ok ? undefined : truncate(scrub(text)),
  };
  if (res.ok) throw new ConnectorError('connector_bad_response', `${c}: the token endpoint answered without an access_token; check the tokenUrl of ${c}`, { ...facts, ...quoted });
  if (res.status === 429 || res.status >= 500) {
    const code = res.status === 429 ? 'connector_rate_limited' : 'connector_unavailable';
    throw new ConnectorError(code, `${c}: the token endpoint is unavailable (HTTP ${res.status}); retry later`, {
      ...facts, ...quoted, retryAfterMs: requestedWaitMs(res.headers, ctx.clock.now(), res.status === 429),
    });
  }
  const error = typeof json?.error === 'string' ? json.error : res.status === 401 ? 'invalid_client' : undefined;
  const [code, message] = refusal(error, c, invalidGrantHint, client, res.status);
  const description = typeof json?.error_description === 'string' ? `: ${truncate(scrub(json.error_description), 300)}` : '';
  throw new ConnectorError(code, `${message}${description}`, { ...facts, ...quoted, vendorMessage: error });
}
