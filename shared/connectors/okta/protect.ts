import { normaliseUser } from '../identity/guard';

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
