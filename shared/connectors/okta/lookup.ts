import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import { originAllowed, plannedFor, userOf } from '../identity/action';
import { normaliseUser } from '../identity/guard';
import type { Transport } from '../types';
import type { OktaAction, OktaDestinationConfig } from './config';
import { listsOktaIds, oktaProtect, protectedUserCheck } from './protect';
import { lookUpUser, OKTA_USER_ID } from './user-ref';

/**
 * The lookup an Okta event needs before its actions, made once for all of them and before the
 * guard counts them against `limit` (identity/guard.ts reserves the slots): a lookup that finds
 * nobody, answers without a valid id, fails, or finds a protected user refuses the event, and a
 * refused event must not use up the cap that a flood of refusals would otherwise exhaust for
 * the real actions. The reservation itself is unchanged (conditional writes), so concurrent
 * events still cannot pass it together; a limited event whose user needed a lookup has sent
 * that one GET.
 *
 * An event needs one when:
 * - `protect` lists an Okta id: the guard compares only the name, so the user is looked up and
 *   its id (and login) checked, whatever the name looks like. A value shaped like an id is looked
 *   up too: it may be a login or a shortname (user-ref.ts), which the lifecycle endpoints would
 *   resolve to a protected id's user. It costs one GET per event, ids included;
 * - the value holds `/`: no Okta path can carry it, so it is searched for (user-ref.ts);
 * - `clear_sessions` is planned for a value not shaped like an id: its endpoint takes an id only.
 * Every action then goes by the id found: the user checked is the user acted on.
 *
 * What identityActions refuses or ignores (no action for the type, an unverified origin, no user,
 * a protected name) is left to it, with no request: it answers as before.
 */
export function lookupBeforeLimit(name: string, config: OktaDestinationConfig, transport: (deps: Deps) => Transport) {
  const named = new Set(oktaProtect(config.protect).map(normaliseUser));
  const byId = listsOktaIds(config.protect);
  const check = protectedUserCheck(name, config.protect);
  /** The id to act by, or undefined when the event's actions go by the value it names (or identityActions refuses it). */
  return async (event: CloudEvent, deps: Deps): Promise<string | undefined> => {
    const planned = plannedFor(config.on, event.type);
    if (planned === undefined || !originAllowed(event.origin, config.allowApiOrigin, config.allowOrigins)) return undefined;
    const user = userOf(config.user, event);
    if (user === undefined || named.has(normaliseUser(user))) return undefined;
    const actions: OktaAction[] = Array.isArray(planned) ? planned : [planned];
    if (!(byId || user.includes('/') || (actions.includes('clear_sessions') && !OKTA_USER_ID.test(user)))) return undefined;
    const found = await lookUpUser(transport(deps), user);
    check(user, actions, deps)(found);
    return found.id;
  };
}
