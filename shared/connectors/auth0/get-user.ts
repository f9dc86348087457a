import type { Transport } from '../types';
import { path } from '../url';
import { type Auth0User, USER_FIELDS } from './user';

/** GET /api/v2/users/{id} (https://auth0.com/docs/api/management/v2/users/get-users-by-id); a 404 is undefined. */
export async function getUser(t: Transport, id: string): Promise<Auth0User | undefined> {
  const res = await t.request<Auth0User>({ path: path`/users/${id}`, query: { fields: USER_FIELDS, include_fields: true }, allowStatus: [404] });
  return res.status === 404 ? undefined : res.body;
}
