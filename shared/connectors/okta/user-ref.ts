import { ConnectorError } from '../errors';
import type { Transport } from '../types';
import type { OktaUser } from './user';

/** An Okta user id (`00u` and 17 letters or digits, e.g. 00ub0oNGTSWTBKOLGLNR). */
export const OKTA_USER_ID = /^00u[0-9A-Za-z]{17}$/;

/** Search values are double-quoted; a quote or backslash inside is escaped as in SCIM filters (RFC 7644 section 3.4.2.2). */
const quoted = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * The id of the user whose login is `login`, found with `search=profile.login eq "<login>"`
 * (GET /api/v1/users: case-insensitive, DEPROVISIONED users included). For logins holding `/`:
 * Okta decodes `%2F` before routing, so `/api/v1/users/{login}` lands on another route (405,
 * okta/okta-sdk-nodejs#430) and such a login "can only be fetched by id" (getUser in Okta's
 * Management API description). Only a user whose login is the one asked for is taken, so a value
 * that is no login (`00u.../`, a trailing slash after a protected id) finds nobody.
 */
export async function idByLogin(t: Transport, login: string): Promise<string> {
  const facts = { connector: t.name, method: 'GET', path: '/api/v1/users' };
  const res = await t.request<OktaUser[]>({ path: '/api/v1/users', query: { search: `profile.login eq ${quoted(login)}`, limit: 2 } });
  const key = login.toLowerCase();
  const same = (Array.isArray(res.body) ? res.body : [])
    .filter((u) => typeof u?.id === 'string' && OKTA_USER_ID.test(u.id) && u.profile?.login?.toLowerCase() === key);
  if (same.length === 1) return same[0]!.id;
  if (same.length === 0) throw new ConnectorError('connector_not_found', `${t.name}: no Okta user has the login ${login}; check the identifier the event names`, facts);
  throw new ConnectorError('connector_rejected', `${t.name}: ${same.length} Okta users have the login ${login}; name the user by id`, facts);
}

/**
 * What to put in a `/api/v1/users/{id}` path for the user an event names: an id, a login or a
 * login shortname as it is (the caller percent-encodes it), but never a value holding `/`, which
 * is looked up as a login and replaced by the id (idByLogin).
 */
export const userRef = (t: Transport, id: string): Promise<string> => (id.includes('/') ? idByLogin(t, id) : Promise.resolve(id));
