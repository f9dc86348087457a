import type { ActionOutcome } from '../identity/action';
import { ConnectorError } from '../errors';
import type { Transport } from '../types';
import { path } from '../url';
import type { CheckOktaId } from './protect';
import type { OktaUser } from './user';
import { idByLogin, OKTA_USER_ID } from './user-ref';

/**
 * The id of the user an event names. `/api/v1/users/{id}` takes an id, a login or an unambiguous
 * login shortname, but `/api/v1/users/{userId}/sessions` an id only (pathId and pathUserId in
 * Okta's Management API description), so anything else is looked up first; a user Okta cannot
 * find is `connector_not_found`. A login holding `/` is searched for instead (user-ref.ts).
 */
async function userIdOf(t: Transport, id: string): Promise<string> {
  if (OKTA_USER_ID.test(id)) return id;
  if (id.includes('/')) return idByLogin(t, id);
  const found: unknown = (await t.request<OktaUser>({ path: path`/api/v1/users/${id}` })).body?.id;
  // No id to compare with `protect` (checkId) or to put in the sessions path: nothing is done.
  if (typeof found !== 'string' || !OKTA_USER_ID.test(found)) {
    throw new ConnectorError('connector_bad_response', `${t.name}: Okta answered the user ${id} without a valid id; no sessions cleared`, { connector: t.name, method: 'GET', path: '/api/v1/users/{id}' });
  }
  return found;
}

/**
 * Ends the user's Okta sessions (DELETE /api/v1/users/{userId}/sessions), so the next request
 * must sign in again; with `oauthTokens` also revokes the OAuth and OpenID Connect tokens issued
 * to the user. Sessions of apps that keep their own are not ended
 * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserSessions/#tag/UserSessions/operation/revokeUserSessions).
 * A user without sessions is answered 204 as well. An id looked up for a login goes through
 * `checkId` (protect.ts) before the sessions are touched.
 */
export async function clearSessions(t: Transport, id: string, o: { oauthTokens: boolean; checkId?: CheckOktaId }): Promise<ActionOutcome> {
  const userId = await userIdOf(t, id);
  if (userId !== id) o.checkId?.(userId);
  await t.request({ method: 'DELETE', path: path`/api/v1/users/${userId}/sessions`, query: { oauthTokens: o.oauthTokens }, expect: 'none' });
  return 'done';
}
