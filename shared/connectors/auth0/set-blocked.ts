import { ConnectorError } from '../errors';
import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { path } from '../url';

/**
 * Blocks or unblocks a user: PATCH /api/v2/users/{id} with `{"blocked": true|false}`, answered 200
 * with the user (https://auth0.com/docs/api/management/v2/users/patch-users-by-id). A blocked user
 * cannot sign in; setting it again is harmless, so the call is marked idempotent.
 *
 * Done only when the answer is that user: an object with a `user_id`, and `blocked: true` after a
 * block (not `true` after an unblock). A proxy's sign-in page, or a baseUrl that is not the
 * Management API, answering 200 is connector_bad_response, never a block reported that nobody made.
 */
export async function setBlocked(t: Transport, id: string, blocked: boolean): Promise<ActionOutcome> {
  const res = await t.request<unknown>({ method: 'PATCH', path: path`/users/${id}`, body: { blocked }, idempotent: true });
  const user = typeof res.body === 'object' && res.body !== null && !Array.isArray(res.body) ? res.body as { user_id?: unknown; blocked?: unknown } : undefined;
  if (typeof user?.user_id !== 'string' || (user.blocked === true) !== blocked) {
    throw new ConnectorError('connector_bad_response', `${t.name}: the answer to PATCH /api/v2/users/{id} (HTTP ${res.status}) is not the user ${blocked ? 'blocked' : 'unblocked'}; nothing is known to be done: check that the baseUrl of ${t.name} is the tenant's Auth0 domain`, {
      connector: t.name, method: 'PATCH', path: '/api/v2/users/{id}', vendorStatus: res.status,
    });
  }
  return 'done';
}
