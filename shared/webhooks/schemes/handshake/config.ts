import * as z from 'zod/mini';
import { headerName, secretList } from '../config-parts';

/**
 * Configuration schemas of the handshake schemes (one strictObject per scheme, discriminated by
 * `scheme`). Every scheme takes `secret` or `secrets` (rotation: any one is accepted); see
 * README, "Handshake schemes".
 */

/** Okta event hooks: the value of a static header Okta sends on every request. */
const oktaVerify = z.strictObject({
  scheme: z.literal('okta'),
  ...secretList,
  /** The header Okta sends the secret in ("Authorization" unless set otherwise in Okta). */
  header: z._default(headerName, 'Authorization'),
});

/** Microsoft Graph change notifications: `secret(s)` are the subscriptions' clientState values. */
const msgraphVerify = z.strictObject({ scheme: z.literal('msgraph'), ...secretList });

const queryName = z.string().check(z.regex(/^[A-Za-z0-9._~-]{1,64}$/, 'must be a query parameter name'));
const origin = z.string().check(z.regex(/^(?:\*|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/, 'must be a DNS name or *'));

/** Azure Event Grid webhooks (Event Grid and CloudEvents 1.0 schemas). */
const eventgridVerify = z.strictObject({
  scheme: z.literal('eventgrid'),
  ...secretList,
  /** The static delivery property (header) carrying the secret. */
  header: z._default(headerName, 'X-Api-Key'),
  /** Query parameter also accepted for the secret (Azure Functions style `?code=`); false: header only. */
  queryParam: z._default(z.union([queryName, z.literal(false)]), 'code'),
  /** Senders the CloudEvents OPTIONS handshake consents to (WebHook-Request-Origin). */
  allowedOrigins: z._default(z.array(origin).check(z.minLength(1)), ['eventgrid.azure.net']),
  /** WebHook-Allowed-Rate answered on consent: requests per minute, or "*" for no limit. */
  allowedRate: z._default(z.union([z.number().check(z.int(), z.positive()), z.literal('*')]), '*'),
  /** Whether the OPTIONS handshake must carry the secret too (Event Grid sends it there). */
  requireSecretOnOptions: z._default(z.boolean(), true),
});

export const handshakeVerifySchemas = [oktaVerify, msgraphVerify, eventgridVerify] as const;
