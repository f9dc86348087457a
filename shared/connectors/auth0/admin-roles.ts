import type { Transport } from '../types';
import { listRoles } from './list-roles';
import { roleUserIds } from './list-role-users';

/**
 * Admin role names per user id: the tenant's RBAC roles (list-roles.ts), kept when their name is
 * in `names` (every role when `names` is undefined), then each kept role's users
 * (list-role-users.ts). Scopes `read:roles` and `read:role_members`; one listing plus one per kept
 * role and run, however many users. Roles granted through an Organization membership are not
 * tenant roles and are not read.
 */
export async function adminRoles(t: Transport, names?: readonly string[]): Promise<Map<string, string[]>> {
  const wanted = names && new Set(names);
  const roles = (await listRoles(t)).filter((r) => !wanted || wanted.has(r.name ?? ''));
  const held = new Map<string, Set<string>>();
  for (const role of roles) {
    for (const id of await roleUserIds(t, role.id)) held.set(id, (held.get(id) ?? new Set()).add(role.name || role.id));
  }
  return new Map([...held].map(([id, r]) => [id, [...r].sort()]));
}
