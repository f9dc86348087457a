import { at } from '../paginate/types';
import type { Transport } from '../types';
import { path } from '../url';

/**
 * GET /rest/api/3/issue/{issueIdOrKey}/transitions: the transitions the account may apply to the
 * issue in its current status (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get).
 */
export interface JiraTransition {
  id: string;
  name: string;
  /** Target status name. */
  to?: string;
  /** Target status category key (`new`, `indeterminate`, `done`): whether the status it leads to is closed. */
  toCategory?: string;
}

export async function listTransitions(t: Transport, issue: string): Promise<JiraTransition[]> {
  const res = await t.request({ path: path`/rest/api/3/issue/${issue}/transitions` });
  const list = at(res.body, 'transitions');
  return (Array.isArray(list) ? list : []).flatMap((x: unknown) => {
    const id = at(x, 'id');
    const name = at(x, 'name');
    const to = at(x, 'to', 'name');
    const toCategory = at(x, 'to', 'statusCategory', 'key');
    return typeof id === 'string' && typeof name === 'string' ? [{ id, name, ...(typeof to === 'string' ? { to } : {}), ...(typeof toCategory === 'string' ? { toCategory } : {}) }] : [];
  });
}
