import type { Transport } from '../types';
import { path } from '../url';
import { adf } from './adf';

/** POST /rest/api/3/issue/{issueIdOrKey}/comment, the body in ADF (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post). */
export async function addComment(t: Transport, issue: string, text: string): Promise<{ id: string }> {
  return (await t.request<{ id: string }>({ method: 'POST', path: path`/rest/api/3/issue/${issue}/comment`, body: { body: adf(text) } })).body;
}
