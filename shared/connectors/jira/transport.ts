import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { basicAuth } from '../auth/static';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';
import type { JiraConfig } from './config';

/**
 * The one transport of Jira Cloud: HTTP Basic with the account email and an API token
 * (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/). Atlassian
 * answers 429 with Retry-After when a rate limit is hit and asks clients to resend after it
 * (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/); the transport honours
 * it within its time budget. check() reads the caller's own account, the cheapest
 * authenticated call (GET /rest/api/3/myself).
 */
export type JiraConnection = Pick<JiraConfig, 'baseUrl' | 'email' | 'apiToken'>;

export function jiraTransport(
  name: string,
  config: JiraConnection,
  deps: { http: HttpClient; clock: Clock; logger?: Logger },
  overrides: Partial<TransportOptions> = {},
): Transport {
  return createTransport({
    name,
    baseUrl: config.baseUrl,
    auth: basicAuth({ username: config.email, password: config.apiToken }),
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    check: { path: '/rest/api/3/myself' },
    ...overrides,
  });
}
