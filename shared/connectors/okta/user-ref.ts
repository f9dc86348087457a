import { ConnectorError } from '../errors';
import type { Transport } from '../types';
import { getUser } from './get-user';
import type { OktaUser } from './user';

/**
 * The shape of an Okta user id (`00u` and 17 letters or digits, e.g. 00ub0oNGTSWTBKOLGLNR). Only
 * a shape: a login can have it too. Logins are emails unless the org sets a login pattern, and
 * the pattern `.+` takes "any non-empty, unique value" (the `login` property in Okta's Management
 * API description, "Login pattern validation"); and the shortname of the email login
 * `00uabcdefghijklmnopq@example.com` has it in any org. `/api/v1/users/{id}` and its lifecycle
 * take "an ID, login, or login shortname", so a value of this shape that is no user's id reaches
 * the user whose login or shortname it is. It tells what needs no lookup where an id is all
 * that can be named (the sessions endpoint) and what an answer's id must look like; it never
 * proves whom a value names.
 */
export const OKTA_USER_ID = /^00u[0-9A-Za-z]{17}$/;

/** The user a lookup found: its id, which the action then goes by, and its login, compared with `protect` too. */
export interface FoundUser {
  id: string;
  login: string;
}

const loginOf = (u: OktaUser): string | undefined => (typeof u.profile?.login === 'string' ? u.profile.login : undefined);

/** Search values are double-quoted; a quote or backslash inside is escaped as in SCIM filters (RFC 7644 section 3.4.2.2). */
const quoted = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * The user whose login is `login`, found with `search=profile.login eq "<login>"` (GET
 * /api/v1/users: case-insensitive, DEPROVISIONED users included). For logins holding `/`: Okta
 * decodes `%2F` before routing, so `/api/v1/users/{login}` lands on another route (405,
 * okta/okta-sdk-nodejs#430) and such a login "can only be fetched by id" (getUser in Okta's
 * Management API description). Only a user whose login is the one asked for is taken, so a value
 * that is no login (`00u.../`, a trailing slash after a protected id) finds nobody.
 */
async function userByLogin(t: Transport, login: string): Promise<FoundUser> {
  const facts = { connector: t.name, method: 'GET', path: '/api/v1/users' };
  const res = await t.request<OktaUser[]>({ path: '/api/v1/users', query: { search: `profile.login eq ${quoted(login)}`, limit: 2 } });
  const key = login.toLowerCase();
  const same = (Array.isArray(res.body) ? res.body : [])
    .filter((u) => typeof u?.id === 'string' && OKTA_USER_ID.test(u.id) && loginOf(u)?.toLowerCase() === key);
  if (same.length === 1) return { id: same[0]!.id, login: loginOf(same[0]!)! };
  if (same.length === 0) throw new ConnectorError('connector_not_found', `${t.name}: no Okta user has the login ${login}; check the identifier the event names`, facts);
  throw new ConnectorError('connector_rejected', `${t.name}: ${same.length} Okta users have the login ${login}; name the user by id`, facts);
}

/**
 * The user an event names, as Okta resolves it: GET /api/v1/users/{value} (an id, login or
 * shortname, as the action's own request would resolve it), or the search above for a login
 * holding `/`. Nobody is `connector_not_found`; a user answered without a valid id or without a
 * login is `connector_bad_response`, since there is then nothing (or not all) to check `protect`
 * against, nor to act by: the caller does nothing by the value as named (whoever holds it by then
 * is unchecked).
 */
export async function lookUpUser(t: Transport, named: string): Promise<FoundUser> {
  if (named.includes('/')) return userByLogin(t, named);
  const facts = { connector: t.name, method: 'GET', path: '/api/v1/users/{id}' };
  const user = await getUser(t, named);
  if (!user) throw new ConnectorError('connector_not_found', `${t.name}: no Okta user is named ${named}; check the identifier the event names`, { ...facts, vendorStatus: 404 });
  const id: unknown = (user as { id?: unknown }).id;
  if (typeof id !== 'string' || !OKTA_USER_ID.test(id)) {
    throw new ConnectorError('connector_bad_response', `${t.name}: Okta answered the user ${named} without a valid id; nothing done, since protect could not be checked`, facts);
  }
  // Every Okta user has a login (profile.login is required). Without it a protected login, or an
  // id-shaped entry that is a login, could not be compared with the user found: fail closed.
  const login = loginOf(user);
  if (login === undefined || login.trim() === '') {
    throw new ConnectorError('connector_bad_response', `${t.name}: Okta answered the user ${named} without a login; nothing done, since protect could not be checked`, facts);
  }
  return { id, login };
}
