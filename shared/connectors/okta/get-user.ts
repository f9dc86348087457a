import type { Transport } from '../types';
import { path } from '../url';
import type { OktaUser } from './user';

/** GET /api/v1/users/{id}: also finds DEPROVISIONED users, which listings leave out; a 404 is undefined. */
export async function getUser(t: Transport, id: string): Promise<OktaUser | undefined> {
  const res = await t.request<OktaUser>({ path: path`/api/v1/users/${id}`, allowStatus: [404] });
  return res.status === 404 ? undefined : res.body;
}
