import { ConnectorError, type ConnectorErrorCode, type ConnectorErrorFacts } from '../errors';
import { requestedWaitMs } from '../retry/rate-limit';
import { requestId } from '../vendor-error';

/**
 * The Web API answers most refusals with HTTP 200 and `{"ok": false, "error": "<code>"}`
 * (https://api.slack.com/web#evaluating_responses); the transport sees a success, so each
 * operation passes the body through here. Codes per method: https://api.slack.com/methods/chat.postMessage#errors.
 */
export interface SlackFailure {
  ok: false;
  error?: string;
  /** missing_scope: the scope the method needs, and those the token has (https://api.slack.com/authentication/oauth-v2#asking). */
  needed?: string;
  provided?: string;
  response_metadata?: { messages?: string[] };
}

const AUTH = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);
const UNAVAILABLE = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

function classify(error: string, c: string, body: SlackFailure): [ConnectorErrorCode, string] {
  if (AUTH.has(error)) return ['connector_auth_failed', `${c}: Slack refused the token (${error}); check the bot token of ${c}`];
  if (error === 'missing_scope') return ['connector_forbidden', `${c}: the token lacks the scope ${body.needed ?? 'chat:write'} (missing_scope); add it to the Slack app and reinstall it`];
  if (error === 'channel_not_found') return ['connector_not_found', `${c}: Slack has no channel the bot can see by that id or name (channel_not_found); check the channel of ${c}, and invite the app to private channels`];
  if (error === 'not_in_channel') return ['connector_forbidden', `${c}: the bot is not a member of the channel (not_in_channel); invite the app to it or add the chat:write.public scope`];
  if (error === 'ratelimited' || error === 'rate_limited') return ['connector_rate_limited', `${c}: Slack rate limited the call (${error}); retry later`];
  if (UNAVAILABLE.has(error)) return ['connector_unavailable', `${c}: Slack failed on its side (${error}); retry later`];
  return ['connector_rejected', `${c}: Slack rejected the message (${error}); see https://api.slack.com/methods/chat.postMessage#errors`];
}

export const isSlackFailure = (body: unknown): body is SlackFailure =>
  typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === false;

/** The typed error of an `ok: false` answer. Slack's error codes carry no credentials; nothing else of the body is quoted. */
export function slackError(body: SlackFailure, headers: Headers, facts: ConnectorErrorFacts, now: number): ConnectorError {
  const error = typeof body.error === 'string' ? body.error.slice(0, 100) : 'unknown_error';
  const [code, message] = classify(error, facts.connector, body);
  const retryAfterMs = code === 'connector_rate_limited' ? requestedWaitMs(headers, now) : undefined;
  return new ConnectorError(code, message, {
    ...facts,
    vendorStatus: 200,
    vendorMessage: error,
    requestId: requestId(headers),
    ...(body.needed ? { neededScope: body.needed } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * Every Web API answer is a JSON object with a boolean `ok` (https://api.slack.com/web#evaluating_responses).
 * `ok: false` is Slack's refusal; anything else without `ok: true` (an HTML page from a proxy, a
 * baseUrl that is not the Web API) is not Slack's word that the call worked, and is not taken for it.
 */
export function checkSlackAnswer(body: unknown, headers: Headers, facts: ConnectorErrorFacts, now: number): void {
  if (isSlackFailure(body)) throw slackError(body, headers, facts, now);
  if (typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === true) return;
  throw new ConnectorError('connector_bad_response', `${facts.connector}: the answer to ${facts.method} ${facts.path} is not a Slack Web API answer (no "ok": true); check the baseUrl of ${facts.connector}`, {
    ...facts,
    vendorStatus: 200,
    requestId: requestId(headers),
  });
}
