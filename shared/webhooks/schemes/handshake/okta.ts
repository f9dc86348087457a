import type { VerifyConfig } from '../../../config/schema';
import { errors } from '../../../errors';
import { json } from '../../../http/body';
import type { Scheme } from '../../scheme';
import { header } from '../../timing-safe';
import type { SyncVerifier, Verified } from '../../types';
import { batchKey, credentialCheck, credentialInvalid, credentialMissing, echoable, HANDSHAKE_HEADERS, isRecord, readJson, text, uniform } from './common';

export type OktaVerifyConfig = Extract<VerifyConfig, { scheme: 'okta' }>;

const CHALLENGE = 'x-okta-verification-challenge';
const CHALLENGE_MAX = 512;

/**
 * Okta event hooks: https://developer.okta.com/docs/concepts/event-hooks/
 * - Okta sends the secret configured on the hook as the whole value of a header (Authorization by
 *   default) on every request, the one-time verification GET included (Okta's example request:
 *   https://support.okta.com/help/s/article/Unable-to-verify-event-hook-Hook-hook-name-execution-failed).
 *   Every request, GET or POST, must carry one of the secrets.
 * - The verification GET carries `X-Okta-Verification-Challenge`; `reply` answers
 *   `200 {"verification": "<value>"}` after the credential was verified.
 * - Replay key: Okta delivers at least once and says to detect duplicates by `data.events[].uuid`:
 *   the uuid of a single event, a digest of all uuids for a batch, else the envelope's `eventId`.
 *   `X-Okta-Request-Id` names the HTTP request, not the event, so it is not used.
 */
export function oktaScheme(config: OktaVerifyConfig): Scheme {
  const matches = credentialCheck(config, 'okta');
  const name = config.header;

  const verify: SyncVerifier = ({ headers, body, method }) => {
    const value = header(headers, name);
    if (value === undefined) throw credentialMissing(`${name} header`);
    if (!matches(value)) throw credentialInvalid(`${name} header`);
    // The verification GET is answered by reply and never deduplicated: Okta may repeat it.
    if (method === 'GET') return {};
    return describe(readJson(body));
  };

  return {
    verify,
    methods: ['GET', 'POST'],
    reply: ({ method, headers }) => (method === 'GET' ? answerChallenge(headers) : undefined),
  };
}

function answerChallenge(headers: Headers): Response {
  const challenge = headers.get(CHALLENGE);
  if (challenge === null || challenge === '') {
    throw errors.badRequest('challenge_missing', 'A GET is the event hook verification and needs X-Okta-Verification-Challenge');
  }
  if (!echoable(challenge, CHALLENGE_MAX)) {
    throw errors.badRequest('challenge_invalid', `X-Okta-Verification-Challenge must be 1 to ${CHALLENGE_MAX} printable characters without markup`);
  }
  return json({ verification: challenge }, 200, HANDSHAKE_HEADERS);
}

/** Delivery id and event name from the (already authenticated) event hook envelope. */
function describe(payload: unknown): Verified {
  if (!isRecord(payload)) return {};
  const events: unknown[] = isRecord(payload.data) && Array.isArray(payload.data.events) ? payload.data.events : [];
  const field = (key: string) => events.map((e) => (isRecord(e) ? e[key] : undefined));
  const deliveryId = batchKey(field('uuid')) ?? batchKey([payload.eventId]);
  // The events' own type (user.session.start) when they share one, else the envelope's.
  const event = uniform(field('eventType')) ?? text(payload.eventType);
  return { deliveryId, event };
}
