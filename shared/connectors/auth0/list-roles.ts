import type { Transport } from '../types';

export interface Auth0Role {
  id: string;
  name?: string;
}

interface RolesPage {
  roles?: Auth0Role[];
  total?: number;
}

/** Roles per page asked for: Auth0's page size maximum for Management API listings. */
const PER_PAGE = 100;

/**
 * Every RBAC role of the tenant: GET /api/v2/roles with `page`/`per_page`/`include_totals`
 * (https://auth0.com/docs/api/management/v2/roles/get-roles), scope `read:roles`. Tenants hold
 * few roles, so the listing is read whole.
 */
export async function listRoles(t: Transport): Promise<Auth0Role[]> {
  const roles: Auth0Role[] = [];
  for (let page = 0; ; page++) {
    const res = await t.request<RolesPage>({ path: '/roles', query: { page, per_page: PER_PAGE, include_totals: true } });
    const items = Array.isArray(res.body.roles) ? res.body.roles : [];
    roles.push(...items.filter((r) => typeof r.id === 'string'));
    const total = typeof res.body.total === 'number' ? res.body.total : undefined;
    if (items.length === 0 || (total === undefined ? items.length < PER_PAGE : (page + 1) * PER_PAGE >= total)) return roles;
  }
}
