import type { ActionOutcome } from '../identity/action';
import { ConnectorError, isConnectorError } from '../errors';
import type { Transport } from '../types';
import { path } from '../url';
import { getUser } from './get-user';

/** The status each step starts from (suspendUser, unsuspendUser in Okta's Management API description). */
const NEEDS = { suspend: 'ACTIVE', unsuspend: 'SUSPENDED' } as const;

/**
 * A lifecycle transition (POST /api/v1/users/{id}/lifecycle/{step}) of `user`: an id, or a login
 * or shortname that Okta resolves. Lookups and the `protect` check of the id found are made
 * before, once per event (lookup.ts), which then passes the id. Okta refuses a transition from
 * the wrong state with 400 E0000001 (suspend needs an ACTIVE user, unsuspend a SUSPENDED one:
 * https://developer.okta.com/docs/reference/error-codes/#E0000001), so a 400 is answered by
 * reading the user: a status in `satisfied` is success (`unchanged`), which makes a redelivered
 * event harmless; any other status is a final `connector_rejected` naming it. Marked idempotent:
 * repeating it has the same effect.
 */
export async function transition(t: Transport, user: string, step: 'suspend' | 'unsuspend', satisfied: readonly string[]): Promise<ActionOutcome> {
  try {
    await t.request({ method: 'POST', path: path`/api/v1/users/${user}/lifecycle/${step}`, idempotent: true, expect: 'none' });
    return 'done';
  } catch (e) {
    if (!isConnectorError(e) || e.facts.vendorStatus !== 400) throw e;
    const found = await getUser(t, user);
    if (found && satisfied.includes(found.status)) return 'unchanged';
    if (!found) throw e;
    // The user is in a state the step cannot leave: say which, rather than "fix the request".
    throw new ConnectorError('connector_rejected', `${t.name}: cannot ${step} user ${user}: its Okta status is ${found.status} (${step} needs ${NEEDS[step]}); ${e.facts.vendorMessage ?? 'HTTP 400'}`, { ...e.facts, userStatus: found.status }, e);
  }
}
