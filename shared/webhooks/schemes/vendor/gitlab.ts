import { timingSafeEqual } from 'node:crypto';
import { sourceSecrets } from '../../../config/secrets';
import { errors } from '../../../errors';
import { header, invalidSignature, missingSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { VendorConfig } from './config';

/**
 * GitLab: `X-Gitlab-Token` carries the webhook's secret token itself, not a signature of the
 * request ("Secret token" in https://docs.gitlab.com/user/project/integrations/webhooks/).
 *
 * Compared in constant time without revealing the secret's length (a token of another length is
 * timed as the secret compared with itself), against every secret with no early exit. A valid
 * token is the same on every request, so no `signature` is set: replays are told apart by the
 * delivery id alone, `Idempotency-Key` (GitLab 17.4+, "consistent across webhook retries") or
 * else `X-Gitlab-Event-UUID`, which recursive webhooks (triggered by an earlier one) share
 * ("Delivery headers", same page).
 */
export function gitlabVerifier(config: VendorConfig<'gitlab'>): SyncVerifier {
  const secrets = sourceSecrets(config).map((s) => Buffer.from(s, 'utf8'));
  if (secrets.length === 0) throw errors.config('The gitlab verifier needs secret or secrets');
  return ({ headers }) => {
    const token = header(headers, 'x-gitlab-token');
    if (token === undefined) throw missingSignature('X-Gitlab-Token');
    const given = Buffer.from(token, 'utf8');
    let ok = false;
    for (const s of secrets) {
      const sameLength = given.byteLength === s.byteLength;
      ok = (timingSafeEqual(sameLength ? given : s, s) && sameLength) || ok;
    }
    if (!ok) throw invalidSignature();
    return {
      deliveryId: header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid'),
      event: header(headers, 'x-gitlab-event'),
    };
  };
}
