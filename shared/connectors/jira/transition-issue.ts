import type { Transport } from '../types';
import { path } from '../url';

/**
 * POST /rest/api/3/issue/{issueIdOrKey}/transitions with the transition id; answered 204
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post).
 */
export async function transitionIssue(t: Transport, issue: string, transitionId: string): Promise<void> {
  await t.request({ method: 'POST', path: path`/rest/api/3/issue/${issue}/transitions`, body: { transition: { id: transitionId } }, expect: 'none' });
}
