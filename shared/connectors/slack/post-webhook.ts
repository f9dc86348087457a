import { tryJson } from '../body';
import { ConnectorError, isConnectorError } from '../errors';
import type { Transport } from '../types';
import { requestId } from '../vendor-error';
import type { SlackMessage } from './message';
import { WEBHOOK_PATH } from './webhook-url';

/**
 * One post to an incoming webhook (https://api.slack.com/messaging/webhooks): JSON `{text, blocks}`
 * with unfurling off, answered `200 ok`. Refusals are plain-text codes with a 4xx status
 * (https://api.slack.com/messaging/webhooks#handling_errors): `invalid_payload`, `no_service`
 * (the webhook was removed), `channel_is_archived`, `action_prohibited` ...; the transport types
 * them by status, this adds the code and what to do about it. A 200 is the post only when its
 * body is the webhook's `ok` (or `{"ok": true}`): anything else (a proxy's sign-in page, a URL
 * that is not a webhook) is connector_bad_response, never taken for a posted message.
 */
const FIX: ReadonlyMap<string, string> = new Map(Object.entries({
  no_service: 'the webhook was removed or revoked; create a new one and update webhookUrl',
  no_team: 'the workspace is gone; create a new webhook',
  team_disabled: 'the workspace is disabled',
  invalid_token: 'the webhook URL is no longer valid; create a new one',
  channel_not_found: 'the webhook channel was deleted; create a new webhook',
  channel_is_archived: 'the webhook channel is archived; unarchive it or create a new webhook',
  action_prohibited: 'a workspace admin restricted posting to this channel',
  posting_to_general_channel_denied: 'only admins may post to this channel',
}));

const slackCode = (text: unknown) => (typeof text === 'string' && /^[a-z_]{3,60}$/.test(text.trim()) ? text.trim() : undefined);

const isOk = (text: string) => text.trim() === 'ok' || (tryJson(text) as { ok?: unknown } | undefined)?.ok === true;

export async function postWebhook(t: Transport, message: SlackMessage): Promise<void> {
  let res;
  try {
    // Unfurling off, as for chat.postMessage (post-message.ts): Slack fetches every URL of a
    // webhook's message to find media to preview unless both flags are false
    // (https://api.slack.com/reference/messaging/link-unfurling#classic_unfurl), and event text carries URLs.
    const body = { text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false };
    res = await t.request<string>({ method: 'POST', path: WEBHOOK_PATH, body, expect: 'text' });
  } catch (e) {
    if (!isConnectorError(e) || e.facts.vendorStatus === undefined) throw e;
    const code = slackCode(e.facts.body) ?? slackCode((tryJson(String(e.facts.body ?? '')) as { error?: unknown } | undefined)?.error);
    if (code === undefined) throw e;
    // A Map: the code is the vendor's text, and one naming an Object member must find no fix.
    const fix = FIX.get(code) ?? 'see https://api.slack.com/messaging/webhooks#handling_errors';
    throw new ConnectorError(e.code, `${t.name}: the incoming webhook refused the message (HTTP ${e.facts.vendorStatus} ${code}); ${fix}`, { ...e.facts, vendorMessage: code }, e);
  }
  if (isOk(res.body ?? '')) return;
  // The body is not quoted: an answer that is not Slack's may echo the webhook URL, the credential.
  throw new ConnectorError('connector_bad_response', `${t.name}: the answer to POST ${WEBHOOK_PATH} is not the incoming webhook's "ok"; check the webhookUrl of ${t.name}`, {
    connector: t.name, method: 'POST', path: WEBHOOK_PATH, vendorStatus: res.status, requestId: requestId(res.headers),
  });
}
