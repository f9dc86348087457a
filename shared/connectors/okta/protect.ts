import { AppError } from '../../errors';
import type { Deps } from '../../ports';
import { normaliseUser } from '../identity/guard';
import { type FoundUser, OKTA_USER_ID } from './user-ref';

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

/** Called with the user a lookup found for the user the event named; throws to refuse. */
export type CheckOktaUser = (found: FoundUser) => void;

/** A login's shortname (the part before its last `@`), which Okta also resolves to it. */
const shortnameOf = (login: string): string | undefined => (login.includes('@') ? login.slice(0, login.lastIndexOf('@')) : undefined);

/**
 * The `protect` check of a user Okta found for what the event names. The guard
 * (../identity/guard.ts) compares only what the event names, before any request; a lookup
 * (lookup.ts) also compares what Okta says the user is: its id, so an entry listing the Okta id
 * protects the user whatever login or shortname the event names, and its login and shortname, so
 * a protected login (or a shortname written in `protect`) is not reached through the user's id
 * or a value Okta resolves to it. Each form is compared with the entries as written, normalised as
 * the guard does (a false match can only refuse); not with the shortnames oktaProtect adds, which
 * would refuse `admin@other.example` for a protected `admin@example.com`. Refused as the guard
 * refuses, before any action's request and before the actions are counted against `limit`:
 * final, logged at `warn`, counted in `identity.action.refused`.
 */
export function protectedUserCheck(name: string, protect: readonly string[]) {
  const entries = new Set(protect.map(normaliseUser));
  return (named: string, actions: readonly string[], deps: Deps): CheckOktaUser => (found) => {
    const forms = [found.id, found.login, shortnameOf(found.login)];
    if (!forms.some((f) => f !== undefined && f !== '' && entries.has(normaliseUser(f)))) return;
    deps.logger.warn('identity action refused: user is protected', { destination: name, user: named, oktaId: found.id, login: found.login, actions });
    deps.metrics.count('identity.action.refused', 1, { destination: name, reason: 'protected' });
    throw new AppError('identity_user_protected', `Destination ${name}: user ${named} is Okta user ${found.id}, which is in protect; no action (${actions.join(', ')}) taken`, {
      status: 403, retryable: false, expose: false,
    });
  };
}

/**
 * Whether `protect` names a user by Okta id. Then every event's user is looked up (lookup.ts),
 * since the guard alone compares only the name and would let a protected id's user through
 * under its login, its shortname, or a login shaped like an id (user-ref.ts).
 */
export const listsOktaIds = (protect: readonly string[]): boolean => {
  // Entries as the check compares them (normaliseUser: case, compatibility forms, outer spaces),
  // so every entry that can match an id found also brings the lookup.
  const id = new RegExp(OKTA_USER_ID.source, 'i');
  return protect.some((p) => id.test(normaliseUser(p)));
};
