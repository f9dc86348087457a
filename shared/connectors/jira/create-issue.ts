import type { Transport } from '../types';

/**
 * POST /rest/api/3/issue (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
 * Entity properties go in the same request body (`properties`), so an issue never exists
 * without its finding mark. A POST: the transport repeats it only after a 429, which Atlassian
 * answers before acting on the request.
 */
export interface CreatedIssue {
  id: string;
  key: string;
  self?: string;
}

export interface NewIssue {
  fields: Record<string, unknown>;
  properties?: { key: string; value: unknown }[];
}

export async function createIssue(t: Transport, issue: NewIssue): Promise<CreatedIssue> {
  return (await t.request<CreatedIssue>({ method: 'POST', path: '/rest/api/3/issue', body: issue })).body;
}
