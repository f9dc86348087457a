import type { Transport } from '../types';
import { path } from '../url';

/**
 * PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}: sets an entity property (200
 * updated, 201 created). A PUT of the whole value, so repeating it is harmless
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-properties/#api-rest-api-3-issue-issueidorkey-properties-propertykey-put).
 */
export async function setIssueProperty(t: Transport, issue: string, key: string, value: unknown): Promise<void> {
  await t.request({ method: 'PUT', path: path`/rest/api/3/issue/${issue}/properties/${key}`, body: value, expect: 'none' });
}
