import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { path } from '../url';

/**
 * Blocks or unblocks a user: PATCH /api/v2/users/{id} with `{"blocked": true|false}`, answered 200
 * with the user (https://auth0.com/docs/api/management/v2/users/patch-users-by-id). A blocked user
 * cannot sign in; setting it again is harmless, so the call is marked idempotent.
 */
export async function setBlocked(t: Transport, id: string, blocked: boolean): Promise<ActionOutcome> {
  await t.request({ method: 'PATCH', path: path`/users/${id}`, body: { blocked }, idempotent: true });
  return 'done';
}
