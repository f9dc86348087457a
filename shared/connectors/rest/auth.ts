import * as z from 'zod/mini';
import { clientCredentialsAuth } from '../auth/client-credentials';
import { apiTokenAuth, basicAuth, bearerAuth, noAuth } from '../auth/static';
import type { ConnectorAuth } from '../auth/types';

/**
 * The `auth` block of the generic destinations (`rest`, `graphql`). Secrets arrive resolved from
 * `${VAR}` or `secret://name`; the transport scrubs every one of them from errors and logs.
 */
const nonEmpty = z.string().check(z.minLength(1));

export const authSchema = z._default(
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('basic'), username: nonEmpty, password: nonEmpty }),
    z.strictObject({ type: z.literal('bearer'), token: nonEmpty }),
    /** `header: X-API-Key` sends the bare token; `scheme: Token` writes `Authorization: Token <token>`. */
    z.strictObject({ type: z.literal('api-token'), token: nonEmpty, header: z._default(nonEmpty, 'authorization'), scheme: z.optional(nonEmpty) }),
    z.strictObject({
      type: z.literal('oauth2-client-credentials'),
      tokenUrl: z.url({ protocol: /^https?$/ }),
      clientId: nonEmpty,
      clientSecret: nonEmpty,
      scopes: z.optional(z.array(nonEmpty)),
      audience: z.optional(nonEmpty),
      /** How the client authenticates to the token endpoint; default HTTP Basic (RFC 6749 section 2.3.1). */
      clientAuth: z.optional(z.enum(['basic', 'body'])),
    }),
  ]),
  { type: 'none' },
);

export type AuthConfig = z.output<typeof authSchema>;

/** The header the auth writes, lower case; configured headers may not set it too. */
export const authHeader = (a: AuthConfig): string | undefined =>
  a.type === 'none' ? undefined : a.type === 'api-token' ? a.header.toLowerCase() : 'authorization';

/** Config problems the schema cannot see, with their path under `at`. */
export function authProblems(a: AuthConfig, at: string): string[] {
  // RFC 7617 section 2: the user-id of a basic credential cannot contain a colon.
  if (a.type === 'basic' && a.username.includes(':')) return [`${at}.username: must not contain ":"`];
  return [];
}

export function connectorAuth(a: AuthConfig): ConnectorAuth {
  switch (a.type) {
    case 'none':
      return noAuth();
    case 'basic':
      return basicAuth({ username: a.username, password: a.password });
    case 'bearer':
      return bearerAuth({ token: a.token });
    case 'api-token':
      return apiTokenAuth({ token: a.token, header: a.header, scheme: a.scheme });
    case 'oauth2-client-credentials':
      return clientCredentialsAuth({ tokenUrl: a.tokenUrl, clientId: a.clientId, clientSecret: a.clientSecret, scopes: a.scopes, audience: a.audience, clientAuth: a.clientAuth });
  }
}
