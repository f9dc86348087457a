import { cursorPages } from '../paginate/cursor';
import { eachItem } from '../paginate/types';
import type { Transport } from '../types';
import { path } from '../url';

interface RoleUser {
  user_id?: string;
}

/** Users per page asked for (`take`). */
const TAKE = 100;

/**
 * The ids of the users holding a role: GET /api/v2/roles/{id}/users with checkpoint paging, `take`
 * then `from` set to the answer's `next` (https://auth0.com/docs/api/management/v2/roles/get-role-user),
 * scope `read:role_members`. Checkpoint paging has no 1000-result limit, unlike page/per_page.
 */
export async function roleUserIds(t: Transport, roleId: string): Promise<string[]> {
  const ids: string[] = [];
  const pages = cursorPages<RoleUser>(t, {
    request: { path: path`/roles/${roleId}/users`, query: { take: TAKE } },
    items: (body) => (Array.isArray((body as { users?: unknown }).users) ? (body as { users: RoleUser[] }).users : []),
    cursorParam: 'from',
    nextCursor: (body) => (body as { next?: string }).next,
  });
  for await (const u of eachItem(pages)) if (typeof u.user_id === 'string') ids.push(u.user_id);
  return ids;
}
