import type { HandshakeInput, Scheme } from '../../scheme';
import {
  checkTimestamp, DEFAULT_TOLERANCE_SECONDS, decodeSignature, header, invalidSignature, missingSignature,
} from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';
import { hmacMatch, utf8Keys } from './parts';

/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:" + X-Slack-Request-Timestamp + ":" +
 * raw body>`, keyed with the app's signing secret; requests older than five minutes are refused.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 *
 * Slack sends no delivery id; retries carry X-Slack-Retry-Num and are re-signed, so replays of
 * one request are deduplicated on the signature (Slack's own retries by the body's event_id).
 */
const PREFIX = 'v0=';

export function slackVerifier(config: VendorConfig<'slack'>): SyncVerifier {
  const keys = utf8Keys(config, 'slack');
  const toleranceSeconds = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return ({ headers, body, now }) => {
    const value = header(headers, 'x-slack-signature');
    if (value === undefined) throw missingSignature('X-Slack-Signature');
    const timestamp = header(headers, 'x-slack-request-timestamp');
    checkTimestamp(timestamp, 'X-Slack-Request-Timestamp', now, toleranceSeconds);
    const given = value.startsWith(PREFIX) ? decodeSignature(value.slice(PREFIX.length), 'hex') : undefined;
    if (given?.byteLength !== 32) throw invalidSignature();
    const mac = hmacMatch(keys, 'sha256', `v0:${timestamp}:`, body, [given]);
    if (mac === undefined) throw invalidSignature();
    return { signature: PREFIX + mac.toString('hex'), toleranceSeconds };
  };
}

/**
 * The Events API's `url_verification` handshake, answered after the request verified (Slack
 * signs it like any event). Of the three answers Slack accepts, the first it documents: HTTP 200,
 * text/plain, the challenge alone. https://api.slack.com/events/url_verification
 */
export function slackReply(_input: HandshakeInput, payload: unknown): Response | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { type, challenge } = payload as { type?: unknown; challenge?: unknown };
  if (type !== 'url_verification' || typeof challenge !== 'string') return undefined;
  return new Response(challenge, {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}

export const slackScheme = (config: VendorConfig<'slack'>): Scheme => ({ verify: slackVerifier(config), reply: slackReply });
