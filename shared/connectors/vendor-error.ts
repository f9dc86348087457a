import { tryJson } from './body';
import { ConnectorError, type ConnectorErrorCode, type ConnectorErrorFacts } from './errors';
import type { Scrub } from './scrub';
import { truncate } from './scrub';
import { vendorMessage } from './vendor-messages';

/** Headers vendors put their request id in: quoting it in a support ticket finds the request. */
const REQUEST_ID = ['x-request-id', 'x-okta-request-id', 'request-id', 'client-request-id', 'x-ms-request-id', 'atl-traceid', 'x-slack-req-id', 'x-servicenow-request-id'];

export function requestId(headers: Headers): string | undefined {
  for (const name of REQUEST_ID) {
    const v = headers.get(name);
    if (v) return v.slice(0, 128);
  }
  return undefined;
}

/** What to fix, per class of refusal. */
function classify(status: number, c: string, at: string): [ConnectorErrorCode, string] {
  if (status === 401) return ['connector_auth_failed', `${c}: ${at} was refused as unauthenticated (HTTP 401); check the credentials of ${c}`];
  if (status === 403) return ['connector_forbidden', `${c}: ${at} was forbidden (HTTP 403); the account of ${c} lacks a permission or scope for it`];
  if (status === 404 || status === 410) return ['connector_not_found', `${c}: ${at} was not found (HTTP ${status}); check the identifier in the path (project, user, record) and the baseUrl of ${c}`];
  if (status === 429) return ['connector_rate_limited', `${c}: ${at} was rate limited (HTTP 429); retry later or lower the request rate`];
  if (status >= 500) return ['connector_unavailable', `${c}: ${at} failed on the vendor's side (HTTP ${status}); retry later`];
  // 408: the server gave up waiting for the request, so did not act on it; 425: it will not act
  // on a request that might be replayed yet. Both ask for the same request again, later.
  if (status === 408 || status === 425) return ['connector_unavailable', `${c}: ${at} was not processed (HTTP ${status}); retry later`];
  // A redirect reaches here only where it was not followed: webhook URLs, the Events API, a
  // 301-303 answering a request with a credential in a custom header (./redirects.ts).
  if (status >= 300 && status <= 399) return ['connector_rejected', `${c}: ${at} was redirected (HTTP ${status}); redirects are not followed: configure ${c} with the final address`];
  return ['connector_rejected', `${c}: ${at} was rejected (HTTP ${status}); fix the request the vendor's message points at`];
}

export interface VendorAnswer {
  status: number;
  headers: Headers;
  /** The (possibly capped) body text. */
  text: string;
}

/**
 * The typed error for a non-2xx answer, with the vendor's own message extracted (vendor-messages.ts).
 * Everything quoted from the vendor is scrubbed of credentials, then truncated.
 */
export function vendorError(answer: VendorAnswer, facts: ConnectorErrorFacts, scrub: Scrub): ConnectorError {
  const [code, message] = classify(answer.status, facts.connector, `${facts.method} ${facts.path}`);
  const said = vendorMessage(tryJson(answer.text));
  const quoted = said === undefined ? undefined : truncate(scrub(said), 300);
  return new ConnectorError(code, quoted ? `${message}: ${quoted}` : message, {
    ...facts,
    vendorStatus: answer.status,
    vendorMessage: quoted,
    requestId: requestId(answer.headers),
    body: answer.text ? truncate(scrub(answer.text)) : undefined,
  });
}
