import type { Authorization, ConnectorAuth } from './types';

/**
 * Credentials that do not change while the process runs. A 401 is final for them (no retry): the
 * same header would be refused again.
 */
const fixed = (type: ConnectorAuth['type'], headers: Record<string, string>, secrets: string[]): ConnectorAuth => {
  const authorization: Authorization = { headers };
  return { type, authorize: async () => authorization, secrets: () => secrets };
};

/** No credential: incoming webhooks whose URL is the secret (Slack, Teams). */
export const noAuth = (): ConnectorAuth => fixed('none', {}, []);

/**
 * HTTP Basic (RFC 7617), e.g. Jira Cloud with an account email and API token
 * (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/) or ServiceNow.
 */
export function basicAuth(opts: { username: string; password: string }): ConnectorAuth {
  // RFC 7617 section 2: the user-id cannot contain a colon; the password may.
  if (opts.username.includes(':')) throw new TypeError('basic auth: the username must not contain ":"');
  const encoded = Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64');
  return fixed('basic', { authorization: `Basic ${encoded}` }, [opts.password, encoded]);
}

export interface ApiTokenOptions {
  token: string;
  /** Header carrying it; default `authorization`. */
  header?: string;
  /** Written before the token with a space, e.g. `SSWS` for Okta (https://developer.okta.com/docs/guides/create-an-api-token/). */
  scheme?: string;
}

/** A static API token in a header: `Authorization: SSWS <token>`, `X-API-Key: <token>`. */
export function apiTokenAuth(opts: ApiTokenOptions): ConnectorAuth {
  const value = opts.scheme ? `${opts.scheme} ${opts.token}` : opts.token;
  return fixed('api-token', { [(opts.header ?? 'authorization').toLowerCase()]: value }, [opts.token]);
}

/** A static bearer token (RFC 6750), e.g. a Slack bot token or an Auth0 Management API token. */
export function bearerAuth(opts: { token: string }): ConnectorAuth {
  return fixed('bearer', { authorization: `Bearer ${opts.token}` }, [opts.token]);
}
