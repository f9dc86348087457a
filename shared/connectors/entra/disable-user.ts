import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { userPath } from './user-path';

/**
 * Blocks sign-in: PATCH /users/{id | userPrincipalName} with `{"accountEnabled": false}`, answered
 * 204 (https://learn.microsoft.com/graph/api/user-update). Setting it again is harmless, so the
 * call is marked idempotent and a disabled account stays disabled without an error.
 */
export async function disableUser(t: Transport, id: string): Promise<ActionOutcome> {
  await t.request({ method: 'PATCH', path: userPath(id), body: { accountEnabled: false }, idempotent: true, expect: 'none' });
  return 'done';
}
