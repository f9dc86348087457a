import { at } from '../paginate/types';
import type { Transport } from '../types';
import { path } from '../url';
import { type IssueStatus, statusOf } from './status';

/** GET /rest/api/3/issue/{issueIdOrKey}?fields=status: the issue's current status (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get). */
export async function getIssueStatus(t: Transport, issue: string): Promise<IssueStatus | undefined> {
  const res = await t.request({ path: path`/rest/api/3/issue/${issue}`, query: { fields: 'status' } });
  return statusOf(at(res.body, 'fields', 'status'));
}
