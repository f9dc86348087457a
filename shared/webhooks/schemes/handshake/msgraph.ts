import type { VerifyConfig } from '../../../config/schema';
import { sourceSecrets } from '../../../config/secrets';
import { errors } from '../../../errors';
import type { HandshakeInput, Scheme } from '../../scheme';
import type { SyncVerifier } from '../../types';
import { batchKey, credentialCheck, credentialInvalid, credentialMissing, echoable, HANDSHAKE_HEADERS, isRecord, readJson, uniform } from './common';

export type MsgraphVerifyConfig = Extract<VerifyConfig, { scheme: 'msgraph' }>;

/** Graph's limit on a subscription's clientState (subscription resource, OpenAPI description). */
const CLIENT_STATE_MAX = 255;
/** Graph's validation tokens are opaque strings of about a hundred characters. */
const TOKEN_MAX = 1024;

/**
 * Microsoft Graph change notifications through webhooks:
 * https://learn.microsoft.com/graph/change-notifications-delivery-webhooks
 * - Endpoint validation (`preflight`, before any verification: Graph does not authenticate it):
 *   `POST ?validationToken=<url-encoded opaque token>` is answered `200 text/plain` with the
 *   decoded token, within Graph's 10 s. Tokens that could carry markup are refused with 400.
 * - Notifications and lifecycle notifications: `{ "value": [ ... ] }`, and EVERY item must carry a
 *   `clientState` equal to one of the secrets, else 401: one forged item cannot ride along.
 * - Replay key: the items' `id` ("unique ID for the notification"), when every item has one. Not a
 *   hash of the body: lifecycle notifications carry no id and Graph repeats `reauthorizationRequired`
 *   with unchanged content, and two updates of one resource can produce identical bodies, so a body
 *   hash would drop legitimate notifications.
 * - Rich notifications' `validationTokens` (JWTs) are not checked yet; see README, "Handshake schemes".
 * - Published without `clientState` (`scrub`): it is the shared secret of the subscription.
 */
export function msgraphScheme(config: MsgraphVerifyConfig): Scheme {
  if (sourceSecrets(config).some((s) => s.length > CLIENT_STATE_MAX)) {
    throw errors.config(`A Microsoft Graph clientState is at most ${CLIENT_STATE_MAX} characters`);
  }
  const matches = credentialCheck(config, 'msgraph');

  const verify: SyncVerifier = ({ body }) => {
    const payload = readJson(body);
    const items: unknown[] = isRecord(payload) && Array.isArray(payload.value) ? payload.value : [];
    const field = (key: string) => items.map((i) => (isRecord(i) ? i[key] : undefined));
    const states = field('clientState');
    if (!states.some((s) => typeof s === 'string')) throw credentialMissing('clientState of the notification');
    if (!states.every((s) => typeof s === 'string' && matches(s))) throw credentialInvalid('clientState of every notification');
    const kinds = items.map((i) => (isRecord(i) ? (i.lifecycleEvent ?? i.changeType) : undefined));
    return { deliveryId: batchKey(field('id')), event: uniform(kinds) };
  };

  return { verify, preflight: validation, scrub: withoutClientState };
}

/** The notifications as published: each item without its `clientState`, the rest as received. */
function withoutClientState(payload: unknown): unknown {
  if (!isRecord(payload) || !Array.isArray(payload.value)) return payload;
  const value = payload.value.map((item: unknown) => {
    if (!isRecord(item) || !Object.hasOwn(item, 'clientState')) return item;
    const { clientState: _, ...rest } = item;
    return rest;
  });
  return { ...payload, value };
}

function validation({ method, url }: HandshakeInput): Response | undefined {
  if (method !== 'POST' || !url.searchParams.has('validationToken')) return undefined;
  // URLSearchParams decodes percent escapes and "+" as Graph's docs require.
  const tokens = url.searchParams.getAll('validationToken');
  const token = tokens.length === 1 ? tokens[0] : undefined;
  if (!echoable(token, TOKEN_MAX)) {
    throw errors.badRequest('validation_token_invalid', `validationToken must appear once, with 1 to ${TOKEN_MAX} printable characters without markup`);
  }
  return new Response(token, { status: 200, headers: { ...HANDSHAKE_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
}
