import { at } from '../paginate/types';

/**
 * An issue's status as Jira returns it in `fields.status` (StatusDetails): compared by id, since
 * names can be renamed; the category key (`new`, `indeterminate`, `done`) says whether it is closed
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-workflow-status-categories/).
 */
export interface IssueStatus {
  id: string;
  name: string;
  category?: string;
}

export function statusOf(v: unknown): IssueStatus | undefined {
  const id = at(v, 'id');
  const name = at(v, 'name');
  const category = at(v, 'statusCategory', 'key');
  if (typeof id !== 'string' || typeof name !== 'string') return undefined;
  return { id, name, ...(typeof category === 'string' ? { category } : {}) };
}
