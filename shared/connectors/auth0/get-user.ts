import { ConnectorError } from '../errors';
import type { Transport } from '../types';
import { path } from '../url';
import { type Auth0User, USER_FIELDS } from './user';

/**
 * GET /api/v2/users/{id} (https://auth0.com/docs/api/management/v2/users/get-users-by-id); a 404 is
 * undefined. A 2xx that is not a user (an object with a `user_id`: a proxy's sign-in page, a
 * baseUrl that is not the Management API) is connector_bad_response: taken for the user, it would
 * be recorded under no id and reported as a user created.
 */
export async function getUser(t: Transport, id: string): Promise<Auth0User | undefined> {
  const res = await t.request<unknown>({ path: path`/users/${id}`, query: { fields: USER_FIELDS, include_fields: true }, allowStatus: [404] });
  if (res.status === 404) return undefined;
  const user = res.body as { user_id?: unknown } | null;
  if (typeof user !== 'object' || user === null || Array.isArray(user) || typeof user.user_id !== 'string' || user.user_id === '') {
    throw new ConnectorError('connector_bad_response', `${t.name}: the answer to GET /api/v2/users/{id} (HTTP ${res.status}) is not an Auth0 user; check that the baseUrl of ${t.name} is the tenant's Auth0 domain`, {
      connector: t.name, method: 'GET', path: '/api/v2/users/{id}', vendorStatus: res.status,
    });
  }
  return user as Auth0User;
}
