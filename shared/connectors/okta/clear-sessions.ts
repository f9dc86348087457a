import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { path } from '../url';

/**
 * Ends the user's Okta sessions (DELETE /api/v1/users/{userId}/sessions), so the next request
 * must sign in again; with `oauthTokens` also revokes the OAuth and OpenID Connect tokens issued
 * to the user. Sessions of apps that keep their own are not ended
 * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserSessions/#tag/UserSessions/operation/revokeUserSessions).
 * A user without sessions is answered 204 as well. `userId` is an Okta id: the endpoint takes no
 * login or shortname (pathUserId in Okta's Management API description), so the destination looks
 * a login up first and checks the id found against `protect` (lookup.ts).
 */
export async function clearSessions(t: Transport, userId: string, o: { oauthTokens: boolean }): Promise<ActionOutcome> {
  await t.request({ method: 'DELETE', path: path`/api/v1/users/${userId}/sessions`, query: { oauthTokens: o.oauthTokens }, expect: 'none' });
  return 'done';
}
