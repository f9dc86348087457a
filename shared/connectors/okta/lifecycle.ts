import type { ActionOutcome } from '../identity/action';
import { ConnectorError, isConnectorError } from '../errors';
import type { Transport } from '../types';
import { path } from '../url';
import { getUser } from './get-user';
import type { CheckOktaId } from './protect';
import type { OktaUser } from './user';
import { OKTA_USER_ID, userRef } from './user-ref';

/** The status each step starts from (suspendUser, unsuspendUser in Okta's Management API description). */
const NEEDS = { suspend: 'ACTIVE', unsuspend: 'SUSPENDED' } as const;

/**
 * A lifecycle transition (POST /api/v1/users/{id}/lifecycle/{step}). Okta refuses a transition
 * from the wrong state with 400 E0000001 (suspend needs an ACTIVE user, unsuspend a SUSPENDED one:
 * https://developer.okta.com/docs/reference/error-codes/#E0000001), so a 400 is answered by
 * reading the user: a status in `satisfied` is success (`unchanged`), which makes a redelivered
 * event harmless; any other status is a final `connector_rejected` naming it. Marked idempotent:
 * repeating it has the same effect. A login holding `/` is replaced by the user's id first
 * (user-ref.ts), which goes through `checkId` (protect.ts) before the step; so is any other login
 * when `lookUp` is set (the destination's `protect` lists Okta ids).
 */
export async function transition(t: Transport, id: string, step: 'suspend' | 'unsuspend', satisfied: readonly string[], checkId?: CheckOktaId, lookUp = false): Promise<ActionOutcome> {
  let ref = await userRef(t, id);
  if (ref !== id) checkId?.(ref);
  else if (lookUp && checkId && !OKTA_USER_ID.test(id)) {
    // `protect` lists Okta ids: a login (or shortname) the event names is looked up, and the id
    // found is checked, so an id entry protects its user whatever login the event names. The step
    // then goes by that id: the user checked is the user acted on. A lookup that yields no id to
    // check stops here (fails closed): a step by the login would reach, unchecked, whoever holds
    // it by then (a user renamed to it after a 404, or the user Okta answered without an id).
    ref = checkedId(t, id, await getUser(t, id), checkId);
  }
  try {
    await t.request({ method: 'POST', path: path`/api/v1/users/${ref}/lifecycle/${step}`, idempotent: true, expect: 'none' });
    return 'done';
  } catch (e) {
    if (!isConnectorError(e) || e.facts.vendorStatus !== 400) throw e;
    const user = await getUser(t, ref);
    if (user && satisfied.includes(user.status)) return 'unchanged';
    if (!user) throw e;
    // The user is in a state the step cannot leave: say which, rather than "fix the request".
    throw new ConnectorError('connector_rejected', `${t.name}: cannot ${step} user ${id}: its Okta status is ${user.status} (${step} needs ${NEEDS[step]}); ${e.facts.vendorMessage ?? 'HTTP 400'}`, { ...e.facts, userStatus: user.status }, e);
  }
}

/** The id of the user a lookup found, once `checkId` passed it; connector_not_found (404) or connector_bad_response (no id) otherwise. */
function checkedId(t: Transport, named: string, user: OktaUser | undefined, checkId: CheckOktaId): string {
  const facts = { connector: t.name, method: 'GET', path: '/api/v1/users/{id}' };
  if (!user) throw new ConnectorError('connector_not_found', `${t.name}: no Okta user is named ${named}; check the identifier the event names`, { ...facts, vendorStatus: 404 });
  const found: unknown = (user as { id?: unknown }).id;
  if (typeof found !== 'string' || !OKTA_USER_ID.test(found)) {
    throw new ConnectorError('connector_bad_response', `${t.name}: Okta answered the user ${named} without a valid id; nothing done, since protect could not be checked`, facts);
  }
  checkId(found);
  return found;
}
