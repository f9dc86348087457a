import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import type { StateStore } from '../../ports/store';
import { memoryStore } from '../../store/memory';
import { testDeps } from '../../../test/deps';
import type { Harness } from '../transport.testkit';
import { type JiraConfig, jiraDestinationSchema } from './config';

/** Shared by the Jira tests: a parsed destination config, deps on the harness, finding events. */
export const EMAIL = 'secorch@example.com';
export const TOKEN = 'ATATT3xFfGF0-jira-api-token-1234';

export const jiraConfig = (baseUrl: string, extra: Record<string, unknown> = {}): JiraConfig =>
  jiraDestinationSchema.parse({ type: 'jira', baseUrl, email: EMAIL, apiToken: TOKEN, project: 'SEC', issueType: 'Bug', ...extra });

export function jiraDeps(h: Harness, store: StateStore = memoryStore(h.clock)): Deps {
  return { ...testDeps().deps, http: h.http, clock: h.clock, store, logger: h.logger };
}

export const findingEvent = (id: string, transition: 'created' | 'updated' | 'resolved' = 'created', uid = 'finding-1', extra: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/scanner', type: `secorch.finding.${transition}`, subject: uid, tenant: 'acme',
  data: { severity: 'High', severity_id: 4, status: transition === 'resolved' ? 'Resolved' : 'New', message: 'S3 bucket is public', finding_info: { uid, title: 'Public S3 bucket', desc: 'Bucket logs-1 allows public reads.\nFix the ACL.' } },
  ...extra,
});
