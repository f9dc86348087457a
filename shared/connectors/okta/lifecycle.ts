import type { ActionOutcome } from '../identity/action';
import { isConnectorError } from '../errors';
import type { Transport } from '../types';
import { path } from '../url';
import { getUser } from './get-user';

/**
 * A lifecycle transition (POST /api/v1/users/{id}/lifecycle/{step}). Okta refuses a transition
 * from the wrong state with 400 E0000001 (suspend needs an ACTIVE user, unsuspend a SUSPENDED one:
 * https://developer.okta.com/docs/reference/error-codes/#E0000001), so a 400 is answered by
 * reading the user: a status in `satisfied` is success (`unchanged`), which makes a redelivered
 * event harmless. Marked idempotent: repeating it has the same effect.
 */
export async function transition(t: Transport, id: string, step: 'suspend' | 'unsuspend', satisfied: readonly string[]): Promise<ActionOutcome> {
  try {
    await t.request({ method: 'POST', path: path`/api/v1/users/${id}/lifecycle/${step}`, idempotent: true, expect: 'none' });
    return 'done';
  } catch (e) {
    if (!isConnectorError(e) || e.facts.vendorStatus !== 400) throw e;
    const user = await getUser(t, id);
    if (user && satisfied.includes(user.status)) return 'unchanged';
    throw e;
  }
}
