import type { VerifyConfig } from '../../../config/schema';
import { AppError, errors } from '../../../errors';
import { json } from '../../../http/body';
import type { HandshakeInput, Scheme } from '../../scheme';
import { header } from '../../timing-safe';
import type { SyncVerifier, Verified } from '../../types';
import { batchKey, credentialCheck, credentialInvalid, credentialMissing, echoable, HANDSHAKE_HEADERS, isRecord, readJson, uniform } from './common';

export type EventgridVerifyConfig = Extract<VerifyConfig, { scheme: 'eventgrid' }>;

export const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const CODE_MAX = 512;

/**
 * Azure Event Grid webhook delivery, Event Grid schema and CloudEvents 1.0 schema.
 * - Authentication: a static secret the subscription adds as a delivery property (header, see
 *   https://learn.microsoft.com/azure/event-grid/delivery-properties) or puts in the endpoint URL
 *   as `?code=`. Every credential presented must match one of the secrets; none is 401.
 * - Event Grid schema handshake (`reply`, after verification): an array holding only a
 *   `Microsoft.EventGrid.SubscriptionValidationEvent` is answered `200 {"validationResponse": code}`:
 *   https://learn.microsoft.com/azure/event-grid/webhook-event-delivery
 * - CloudEvents handshake (`preflight`): OPTIONS with `WebHook-Request-Origin` is answered with
 *   `WebHook-Allowed-Origin` and `WebHook-Allowed-Rate` (CloudEvents HTTP Web Hooks, section 4:
 *   https://github.com/cloudevents/spec/blob/v1.0/http-webhook.md#4-abuse-protection). Delivery
 *   properties apply to validation requests too, so the secret is required there by default.
 * - Replay key: Event Grid sends no delivery id header (`aeg-delivery-count` counts attempts), so
 *   the events' (topic or source, id) pairs, which stay the same across Event Grid's retries.
 */
export function eventgridScheme(config: EventgridVerifyConfig): Scheme {
  const matches = credentialCheck(config, 'eventgrid');
  const { queryParam, allowedOrigins, allowedRate, requireSecretOnOptions } = config;
  const name = config.header;

  function authenticate(headers: Headers, url: string | URL): void {
    const presented: string[] = [];
    const value = header(headers, name);
    if (value !== undefined) presented.push(value);
    if (queryParam !== false) presented.push(...new URL(url).searchParams.getAll(queryParam));
    const where = queryParam === false ? `${name} header` : `${name} header or ${queryParam} parameter`;
    if (presented.length === 0) throw credentialMissing(where);
    if (!presented.every((p) => matches(p))) throw credentialInvalid(where);
  }

  const verify: SyncVerifier = ({ headers, url, body }) => {
    authenticate(headers, url);
    return describe(readJson(body));
  };

  /** The CloudEvents abuse-protection handshake; any other OPTIONS gets the allowed methods only. */
  function preflight({ method, headers, url }: HandshakeInput): Response | undefined {
    if (method !== 'OPTIONS') return undefined;
    if (requireSecretOnOptions) authenticate(headers, url);
    const allow = { ...HANDSHAKE_HEADERS, allow: 'OPTIONS, POST' };
    const origin = header(headers, 'webhook-request-origin');
    if (origin === undefined) return new Response(null, { status: 204, headers: allow });
    const known = allowedOrigins.some((o) => o === '*' || o.toLowerCase() === origin.toLowerCase());
    if (!known || !/^[A-Za-z0-9.-]{1,253}$/.test(origin)) {
      throw new AppError('origin_not_allowed', 'This endpoint does not accept deliveries from that WebHook-Request-Origin', { status: 403 });
    }
    const consent = { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': String(allowedRate) };
    return new Response(null, { status: 200, headers: { ...allow, ...consent } });
  }

  return { verify, preflight, reply: (_input, payload) => validationReply(payload), methods: ['POST', 'OPTIONS'] };
}

const events = (payload: unknown): unknown[] => (Array.isArray(payload) ? payload : isRecord(payload) ? [payload] : []);
const isValidation = (e: unknown) => isRecord(e) && e.eventType === VALIDATION_EVENT;

function validationReply(payload: unknown): Response | undefined {
  const all = events(payload);
  const validation = all.find(isValidation);
  if (!isRecord(validation)) return undefined;
  // Event Grid sends the validation event alone; anything else riding along is not answered.
  if (all.length !== 1) throw errors.badRequest('malformed_body', 'A subscription validation event must come alone');
  const code = isRecord(validation.data) ? validation.data.validationCode : undefined;
  if (typeof code !== 'string' || !echoable(code, CODE_MAX)) {
    throw errors.badRequest('validation_code_invalid', `data.validationCode must be 1 to ${CODE_MAX} printable characters`);
  }
  return json({ validationResponse: code }, 200, HANDSHAKE_HEADERS);
}

const origin = (e: Record<string, unknown>): string =>
  typeof e.topic === 'string' ? e.topic : typeof e.source === 'string' ? e.source : '';

/** Replay key and event name of an authenticated delivery (a batch array or one CloudEvent). */
function describe(payload: unknown): Verified {
  const all = events(payload);
  // The validation event is answered, never published: no replay key, so a retry is answered again.
  if (all.some(isValidation)) return { event: VALIDATION_EVENT };
  // Event Grid's topic and the CloudEvents source are strings; anything else counts as absent
  // (serialising an arbitrary value here, before the ingress checks the body's depth, could
  // overflow the stack on a deeply nested one).
  const ids = all.map((e) => (isRecord(e) && typeof e.id === 'string' && e.id ? JSON.stringify([origin(e), e.id]) : undefined));
  const types = all.map((e) => (isRecord(e) ? (e.eventType ?? e.type) : undefined));
  return { deliveryId: batchKey(ids), event: uniform(types) };
}
