import type { JiraConfig } from '../../connectors/jira/config';
import { issuePrefix } from '../../connectors/jira/status-change';
import type { TargetKeys } from './sync-target';

/**
 * What a jira-sync position is of: the site and the project its JQL reads. A position taken on
 * another target says nothing about this one. Its cursor would skip the new project's issues
 * updated before it, whose first later change would then be reported `from: null`. Its statuses,
 * keyed by issue id, would be compared with other issues: ids count from 10000 on every site, so
 * 10001 on one site is a different issue from 10001 on another. A run on a new target therefore
 * starts as a first run does (a baseline round, nothing reported on first sight), keeps its
 * statuses under keys carrying a digest of the target, and deletes those of the earlier target
 * after its rounds (sync-target.ts).
 */

/**
 * The site (origin and any context path, without a trailing slash) and the project. Project keys
 * are upper case in Jira and matched regardless of case in JQL; a key and the same project's
 * numeric id are two targets, so switching between them costs one baseline round.
 */
export function targetOf(config: Pick<JiraConfig, 'baseUrl' | 'project'>): string {
  const url = new URL(config.baseUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')} project=${config.project.toUpperCase()}`;
}

/**
 * The statuses of one schedule and tenant. No prefix covers another's keys: schedule names and
 * tenants hold no `:`, and a digest is hex, never `issue`.
 */
export const statusKeys = (scope: { schedule: string; tenant: string }): TargetKeys => ({
  prefixOf: (target) => issuePrefix({ ...scope, target }),
});
