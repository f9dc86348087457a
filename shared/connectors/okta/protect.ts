import { AppError } from '../../errors';
import type { Deps } from '../../ports';
import { normaliseUser } from '../identity/guard';
import { OKTA_USER_ID } from './user-ref';

/**
 * The `protect` list an Okta destination enforces: the configured users, plus what else names them
 * at Okta. `/api/v1/users/{id}` resolves a login shortname (the part before `@`, when unambiguous)
 * to the full login, so `breakglass` reaches `breakglass@example.com`; and `me` names the API
 * token's own admin (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/getUser).
 * Neither may slip past the guard. A shortname shared with another user's login only refuses
 * events naming that bare shortname, which Okta would refuse as ambiguous anyway.
 */
export function oktaProtect(protect: readonly string[]): string[] {
  const shortnames = protect.map(normaliseUser).filter((p) => p.includes('@')).map((p) => p.slice(0, p.lastIndexOf('@')));
  return [...new Set([...protect, ...shortnames.filter((s) => s !== ''), 'me'])];
}

/** Called with the Okta id an action looked up for the user the event named; throws to refuse. */
export type CheckOktaId = (oktaId: string) => void;

/**
 * The `protect` check of an id Okta gave for a login. The guard (../identity/guard.ts) compares
 * only what the event names, before any request; an action that looks the user up anyway
 * (clear_sessions, whose endpoint takes an id only, and any action on a login holding `/`) also
 * compares the id it found, so an entry listing the Okta id protects the user whatever login the
 * event names. Refused as the guard refuses, before the action's own request: final, logged at
 * `warn`, counted in `identity.action.refused`.
 */
export function protectedIdCheck(name: string, protect: readonly string[]) {
  const ids = new Set(protect.map(normaliseUser));
  return (named: string, action: string, deps: Deps): CheckOktaId => (oktaId) => {
    if (!ids.has(normaliseUser(oktaId))) return;
    deps.logger.warn('identity action refused: user is protected', { destination: name, user: named, oktaId, actions: [action] });
    deps.metrics.count('identity.action.refused', 1, { destination: name, reason: 'protected' });
    throw new AppError('identity_user_protected', `Destination ${name}: user ${named} is Okta user ${oktaId}, which is in protect; no action (${action}) taken`, {
      status: 403, retryable: false, expose: false,
    });
  };
}

/**
 * Whether `protect` names a user by Okta id. Then every action looks up the user a login names
 * and checks the id found (suspend and unsuspend too, one GET each), since the guard alone
 * compares only the login and would let a protected id's user through under its login.
 */
export const listsOktaIds = (protect: readonly string[]): boolean => {
  // Entries as the check compares them (normaliseUser: case, compatibility forms, outer spaces),
  // so every entry that can match an id found also brings the lookup.
  const id = new RegExp(OKTA_USER_ID.source, 'i');
  return protect.some((p) => id.test(normaliseUser(p)));
};
