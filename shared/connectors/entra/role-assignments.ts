import type { Transport } from '../types';
import { graphList } from './graph-list';

interface RoleDefinition {
  id: string;
  displayName?: string;
}

interface RoleAssignment {
  principalId?: string;
  roleDefinitionId?: string;
}

/**
 * Directory role names per principal id, from the unified RBAC API: the role definitions
 * (GET /roleManagement/directory/roleDefinitions, https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions)
 * for their names, then every active assignment (GET /roleManagement/directory/roleAssignments,
 * https://learn.microsoft.com/en-us/graph/api/rbacapplication-list-roleassignments), both paged
 * by `@odata.nextLink`. Application permission: RoleManagement.Read.Directory (or
 * Directory.Read.All). Two listings per run, however many users. A role assigned to a group is
 * recorded for the group's id, not its members; eligible (PIM) assignments are not active ones and
 * are not listed. Assignments scoped to an administrative unit count like tenant-wide ones.
 */
export async function directoryRoles(t: Transport): Promise<Map<string, string[]>> {
  const names = new Map<string, string>();
  for await (const d of graphList<RoleDefinition>(t, { path: '/roleManagement/directory/roleDefinitions', query: { $select: 'id,displayName' } })) {
    if (typeof d.id === 'string') names.set(d.id, d.displayName || d.id);
  }
  const held = new Map<string, Set<string>>();
  for await (const a of graphList<RoleAssignment>(t, { path: '/roleManagement/directory/roleAssignments', query: { $select: 'principalId,roleDefinitionId' } })) {
    if (typeof a.principalId !== 'string' || typeof a.roleDefinitionId !== 'string') continue;
    const roles = held.get(a.principalId) ?? new Set<string>();
    held.set(a.principalId, roles.add(names.get(a.roleDefinitionId) ?? a.roleDefinitionId));
  }
  return new Map([...held].map(([id, roles]) => [id, [...roles].sort()]));
}
