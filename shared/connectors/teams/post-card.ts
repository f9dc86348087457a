import { ConnectorError, isConnectorError } from '../errors';
import { retryableStatus } from '../retry/policy';
import { truncate } from '../scrub';
import { WEBHOOK_PATH } from '../slack/webhook-url';
import type { TeamsMessage } from './card';
import type { TeamsTransport } from './transport';

/**
 * One post to the webhook. Workflows answer `202 Accepted` with no body, and refusals with a
 * status and `{"error": {"code", "message"}}`, typed by the transport. Legacy connectors answer
 * `200` with the body `1`, and report failures in a 200 body too: throttling reads
 * "Microsoft Teams endpoint returned HTTP error 429"
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#rate-limiting-for-connectors).
 * Teams' own status is only in that text ("Microsoft Teams endpoint returned HTTP error 502 ...",
 * https://github.com/MicrosoftDocs/msteams-docs/issues/1810), and so is a failure to reach Teams
 * at all ("Error contacting Microsoft Teams endpoint"): those are failures on Microsoft's side,
 * typed retryable as the same statuses answered directly would be, so the card is not dropped.
 * A post is not repeated after a 5xx or a timeout (it may have been shown); a 429 is.
 */
const WRAPPED_STATUS = /HTTP error (\d{3})\b/i;
const UNREACHED = /Error contacting Microsoft Teams endpoint/i;
const REFRESH = 'the webhook URL is no longer valid or its workflow is off; copy the URL again from the channel (Workflows) and update webhookUrl';

export async function postCard({ transport: t, scrub }: TeamsTransport, message: TeamsMessage): Promise<void> {
  const facts = { connector: t.name, method: 'POST', path: WEBHOOK_PATH };
  let res;
  try {
    res = await t.request<string>({ method: 'POST', path: WEBHOOK_PATH, body: message, expect: 'text' });
  } catch (e) {
    if (isConnectorError(e) && ['connector_auth_failed', 'connector_forbidden', 'connector_not_found'].includes(e.code)) {
      throw new ConnectorError(e.code, `${e.message}; ${REFRESH}`, e.facts, e);
    }
    throw e;
  }
  const text = (res.body ?? '').trim();
  if (res.status !== 200 || text === '' || text === '1') return;
  const said = truncate(scrub(text), 300);
  const wrapped = Number(WRAPPED_STATUS.exec(text)?.[1] ?? 0);
  if (wrapped === 429) {
    throw new ConnectorError('connector_rate_limited', `${t.name}: Teams throttled the webhook (a 429 reported in a 200 body); retry later`, { ...facts, vendorStatus: 200, vendorMessage: said });
  }
  if ((wrapped !== 0 && retryableStatus(wrapped)) || UNREACHED.test(text)) {
    throw new ConnectorError('connector_unavailable', `${t.name}: Teams failed to deliver the card on its side (reported in a 200 body: ${said}); retry later`, { ...facts, vendorStatus: 200, vendorMessage: said });
  }
  throw new ConnectorError('connector_rejected', `${t.name}: Teams did not deliver the card: ${said}`, { ...facts, vendorStatus: 200, vendorMessage: said });
}
