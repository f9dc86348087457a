import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { userPath } from './user-path';

/**
 * Lets the user sign in again, undoing disable: PATCH /users/{id | userPrincipalName} with
 * `{"accountEnabled": true}`, answered 204 (https://learn.microsoft.com/graph/api/user-update).
 * Setting it again is harmless, so the call is marked idempotent. Sessions revoked stay revoked:
 * the user signs in afresh.
 */
export async function enableUser(t: Transport, id: string): Promise<ActionOutcome> {
  await t.request({ method: 'PATCH', path: userPath(id), body: { accountEnabled: true }, idempotent: true, expect: 'none' });
  return 'done';
}
