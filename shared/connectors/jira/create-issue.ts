import { ConnectorError } from '../errors';
import { at } from '../paginate/types';
import type { Transport } from '../types';

/**
 * POST /rest/api/3/issue (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
 * Entity properties go in the same request body (`properties`), so an issue never exists
 * without its finding mark. A POST: the transport repeats it only after a 429, which Atlassian
 * answers before acting on the request.
 *
 * Jira answers 201 with the issue's id and key. A 2xx without them (a sign-in page of a proxy in
 * front of the site, a baseUrl that is not Jira) is connector_bad_response: taken for a create, it
 * would record a ticket that does not exist, and the finding would never get one.
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
  const res = await t.request<unknown>({ method: 'POST', path: '/rest/api/3/issue', body: issue });
  const id = at(res.body, 'id');
  const key = at(res.body, 'key');
  const self = at(res.body, 'self');
  if (typeof id !== 'string' || id === '' || typeof key !== 'string' || key === '') {
    throw new ConnectorError('connector_bad_response', `${t.name}: the answer to POST /rest/api/3/issue (HTTP ${res.status}) names no issue id and key; check that the baseUrl of ${t.name} is the Jira site itself`, {
      connector: t.name, method: 'POST', path: '/rest/api/3/issue', vendorStatus: res.status,
    });
  }
  return { id, key, ...(typeof self === 'string' ? { self } : {}) };
}
