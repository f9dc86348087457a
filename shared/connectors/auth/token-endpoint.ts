import { readCapped, tryJson } from '../body';
import { ConnectorError, type ConnectorErrorFacts } from '../errors';
import { fetchFailure } from '../failures';
import { requestedWaitMs } from '../retry/rate-limit';
import { scrubber, truncate } from '../scrub';
import { requestId } from '../vendor-error';
import type { AuthContext } from './types';

/**
 * One OAuth 2.0 token request (RFC 6749 sections 4.4 and 6): a form POST, client authentication
 * by HTTP Basic (section 2.3.1, which every server must support; id and secret form-encoded
 * first) or in the body. Refusals become typed errors that say what to fix; nothing the endpoint
 * echoes reaches them unscrubbed. No retries here: the transport's caller (its queue) retries.
 */
export interface TokenClient {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  /** Default `basic`; `body` for servers that want client_id and client_secret as form fields. */
  clientAuth?: 'basic' | 'body';
}

export interface IssuedToken {
  accessToken: string;
  tokenType: string;
  expiresInSec?: number;
  refreshToken?: string;
}

const ERROR_BODY_LIMIT = 64 * 1024;
const form = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');

/** RFC 6749 section 5.2 error codes, as fixes. */
function refusal(error: string | undefined, c: string, hint: string, status?: number): [ConnectorError['code'], string] {
  if (error === 'invalid_scope') return ['connector_forbidden', `${c}: the token endpoint refused the requested scopes (invalid_scope); grant them to the client of ${c} or change scopes`];
  if (error === 'invalid_grant') return ['connector_auth_failed', `${c}: the token endpoint refused the grant (invalid_grant); ${hint}`];
  // Auth0 answers a wrong client secret with 401 access_denied: any 401 is the client's credentials.
  if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) return ['connector_auth_failed', `${c}: the token endpoint refused the client (${error}); check the client id and secret of ${c}`];
  return ['connector_rejected', `${c}: the token endpoint refused the request${error ? ` (${error})` : ''}; check the tokenUrl and grant settings of ${c}`];
}

export async function requestToken(ctx: AuthContext, client: TokenClient, params: Record<string, string>, invalidGrantHint: string): Promise<IssuedToken> {
  const c = ctx.connector;
  const scrub = scrubber(() => [client.clientSecret ?? '', params.refresh_token ?? '']);
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if ((client.clientAuth ?? 'basic') === 'basic' && client.clientSecret !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${form(client.clientId)}:${form(client.clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
    if (client.clientSecret !== undefined) body.set('client_secret', client.clientSecret);
  }
  const facts: ConnectorErrorFacts = { connector: c, method: 'POST', path: new URL(client.tokenUrl).pathname, grant: params.grant_type };
  const deadline = ctx.timeoutSignal();
  let res: Response;
  let text: string;
  try {
    // Redirects are refused: a redirected token request would resend the client secret elsewhere.
    res = await ctx.http.fetch(client.tokenUrl, { method: 'POST', headers, body, signal: deadline, redirect: 'error' });
    text = (await readCapped(res, ERROR_BODY_LIMIT)).text;
  } catch (e) {
    throw fetchFailure(e, facts, deadline);
  }
  const json = tryJson(text) as Record<string, unknown> | undefined;
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
      ...facts, ...quoted, retryAfterMs: requestedWaitMs(res.headers, ctx.clock.now()),
    });
  }
  const error = typeof json?.error === 'string' ? json.error : res.status === 401 ? 'invalid_client' : undefined;
  const [code, message] = refusal(error, c, invalidGrantHint, res.status);
  const description = typeof json?.error_description === 'string' ? `: ${truncate(scrub(json.error_description), 300)}` : '';
  throw new ConnectorError(code, `${message}${description}`, { ...facts, ...quoted, vendorMessage: error });
}
