import { decodeSignature, header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';
import { hmacMatch, utf8Keys } from './parts';

/**
 * Jira Cloud admin webhooks registered with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256
 * of the raw body>` (the WebSub `method=signature` form; Atlassian documents sha256 only, so no
 * sha1). https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
 * X-Atlassian-Webhook-Identifier is unique per webhook and unchanged across retries: the delivery id.
 */
const PREFIX = 'sha256=';

export function jiraVerifier(config: VendorConfig<'jira'>): SyncVerifier {
  const keys = utf8Keys(config, 'jira');
  return ({ headers, body }) => {
    const value = header(headers, 'x-hub-signature');
    if (value === undefined) throw missingSignature('X-Hub-Signature');
    const given = value.startsWith(PREFIX) ? decodeSignature(value.slice(PREFIX.length), 'hex') : undefined;
    const match = given?.byteLength === 32 ? hmacMatch(keys, 'sha256', '', body, [given]) : undefined;
    if (match === undefined) throw invalidSignature();
    // The id header is not signed: the signature is a replay key too.
    return { deliveryId: header(headers, 'x-atlassian-webhook-identifier'), signature: match.toString('hex') };
  };
}
