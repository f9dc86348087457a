import type { Transport } from '../types';
import { path, sameOriginUrl } from '../url';

interface AssignedUsers {
  value?: { id: string }[];
  _links?: { next?: { href?: string } };
}

/**
 * Admin role types per user: the users holding any role assignment
 * (GET /api/v1/iam/assignees/users, paged by `_links.next`,
 * https://developer.okta.com/docs/api/openapi/okta-management/management/tag/RoleAssignmentAUser/#tag/RoleAssignmentAUser/operation/listUsersWithRoleAssignments),
 * then each one's roles (GET /api/v1/users/{userId}/roles). Admins are few, so this costs a
 * handful of calls per run, not one per user.
 */
export async function adminRoles(t: Transport): Promise<Map<string, string[]>> {
  const ids: string[] = [];
  const seen = new Set<string>();
  let next: string | undefined;
  do {
    const res = await t.request<AssignedUsers>(next === undefined ? { path: '/api/v1/iam/assignees/users', query: { limit: 100 } } : { url: next });
    ids.push(...(res.body.value ?? []).map((u) => u.id));
    const href = res.body._links?.next?.href;
    next = href ? String(sameOriginUrl(t.name, t.baseUrl, href, new URL(res.url))) : undefined;
    // A link served twice would loop for ever.
    if (next !== undefined && seen.has(next)) next = undefined;
    if (next !== undefined) seen.add(next);
  } while (next !== undefined);
  const roles = new Map<string, string[]>();
  for (const id of ids) {
    const res = await t.request<{ type?: string; label?: string }[]>({ path: path`/api/v1/users/${id}/roles` });
    roles.set(id, [...new Set((Array.isArray(res.body) ? res.body : []).map((r) => (r.type === 'CUSTOM' ? r.label : r.type) ?? 'UNKNOWN'))].sort());
  }
  return roles;
}
