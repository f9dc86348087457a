import type { HttpClient } from '../../ports/http';
import type { ConnectorAuth } from '../auth/types';
import { ConnectorError } from '../errors';

/**
 * Incoming webhook URLs (Slack, Teams) are the credential: the path or the `sig` query value
 * authorizes the post. The transport names the path of every request in errors and log lines,
 * so it is given a stand-in (`<origin>/webhook`) and the client below swaps in the real URL
 * right before the egress-guarded fetch. The URL and its parts are also listed as secrets, so a
 * vendor echoing them in an error body is scrubbed.
 *
 * Redirects are not followed: the 3xx is the answer, a failure (../vendor-error.ts), as for
 * outbound deliveries. Followed as fetch does, a 301/302/303 turns the POST into a GET whose
 * `ok` or `1` would pass for the post, and a 307/308 sends the message to whatever the Location
 * names. A webhook that moved is fixed by copying its URL again.
 */
export const WEBHOOK_PATH = '/webhook';
const MIN_PART = 8;

export interface HiddenWebhook {
  /** The origin only: what the transport and its errors see. */
  baseUrl: string;
  auth: ConnectorAuth;
  http: HttpClient;
}

export function hiddenWebhook(connector: string, webhookUrl: string, http: HttpClient): HiddenWebhook {
  const url = URL.canParse(webhookUrl) ? new URL(webhookUrl) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    // The value is not quoted: it is a credential, even when malformed.
    throw new ConnectorError('connector_invalid_request', `${connector}: webhookUrl is not an absolute https URL; copy it again from the channel's webhook settings`, { connector });
  }
  url.hash = '';
  const stand = `${url.origin}${WEBHOOK_PATH}`;
  const parts = [...url.pathname.split('/'), ...url.searchParams.values()].filter((p) => p.length >= MIN_PART);
  const secrets = [url.href, `${url.pathname}${url.search}`, ...parts];
  return {
    baseUrl: url.origin,
    auth: { type: 'none', authorize: async () => ({ headers: {} }), secrets: () => secrets },
    http: {
      fetch(input, init) {
        const asked = input instanceof Request ? input.url : String(input);
        if (asked !== stand) return Promise.reject(new ConnectorError('connector_invalid_request', `${connector}: only the webhook itself may be called`, { connector }));
        return http.fetch(url, { ...init, redirect: 'manual' });
      },
    },
  };
}
