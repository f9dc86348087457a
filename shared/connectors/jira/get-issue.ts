import { at } from '../paginate/types';
import type { Transport } from '../types';
import { path } from '../url';
import { type IssueStatus, statusOf } from './status';
import { FINDING_PROPERTY, type FindingMark, readMark } from './uid';

/**
 * GET /rest/api/3/issue/{issueIdOrKey}?fields=status,labels&properties=secorch.finding: the issue's
 * current status, its labels and its finding mark (uid.ts), in one read
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get).
 */
export interface IssueFacts {
  id?: string;
  key?: string;
  status?: IssueStatus;
  labels: string[];
  mark?: FindingMark;
}

export async function getIssue(t: Transport, issue: string): Promise<IssueFacts> {
  const res = await t.request({ path: path`/rest/api/3/issue/${issue}`, query: { fields: 'status,labels', properties: FINDING_PROPERTY } });
  const id = at(res.body, 'id');
  const key = at(res.body, 'key');
  const labels = at(res.body, 'fields', 'labels');
  const mark = readMark(at(res.body, 'properties', FINDING_PROPERTY));
  const status = statusOf(at(res.body, 'fields', 'status'));
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof key === 'string' ? { key } : {}),
    ...(status ? { status } : {}),
    labels: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [],
    ...(mark ? { mark } : {}),
  };
}

/** The issue's current status only. */
export async function getIssueStatus(t: Transport, issue: string): Promise<IssueStatus | undefined> {
  const res = await t.request({ path: path`/rest/api/3/issue/${issue}`, query: { fields: 'status' } });
  return statusOf(at(res.body, 'fields', 'status'));
}
