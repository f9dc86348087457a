import { credentialCheck } from '../handshake/common';
import { header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';

/**
 * GitLab: `X-Gitlab-Token` carries the webhook's secret token itself, not a signature of the
 * request ("Secret token" in https://docs.gitlab.com/user/project/integrations/webhooks/).
 *
 * Compared like every shared secret (credentialCheck: constant time at a fixed width, every
 * secret, no early exit). A valid
 * token is the same on every request, so no `signature` is set: replays are told apart by the
 * delivery id alone, `Idempotency-Key` (GitLab 17.4+, "consistent across webhook retries") or
 * else `X-Gitlab-Event-UUID`, which recursive webhooks (triggered by an earlier one) share
 * ("Delivery headers", same page).
 */
export function gitlabVerifier(config: VendorConfig<'gitlab'>): SyncVerifier {
  const matches = credentialCheck(config, 'gitlab');
  return ({ headers }) => {
    const token = header(headers, 'x-gitlab-token');
    if (token === undefined) throw missingSignature('X-Gitlab-Token');
    if (!matches(token)) throw invalidSignature();
    return {
      deliveryId: header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid'),
      event: header(headers, 'x-gitlab-event'),
    };
  };
}
