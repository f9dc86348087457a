import { createHash } from 'node:crypto';

/**
 * How an issue carries its finding. Two marks, both written by the create call itself:
 * - labels `secorch` (every issue this connector made: what the sync job searches) and
 *   `secorch-<hash>` of tenant and finding uid: labels are indexed for JQL and cannot hold spaces
 *   or arbitrary characters, so the uid goes in hashed (128 bits: no collision in practice);
 * - the issue entity property `secorch.finding` = `{ uid, tenant }`, which keeps the uid itself
 *   (https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/): searches
 *   return it (`properties`), so a match is confirmed and the sync job knows the finding.
 * findByUid searches the label rather than `issue.property[secorch.finding].uid`: both go through
 * the same JQL index, but property paths are only searchable once an app declares them indexed,
 * which a REST-only integration cannot do, while labels always are.
 */
export const MARK_LABEL = 'secorch';
export const FINDING_PROPERTY = 'secorch.finding';

export interface FindingMark {
  uid: string;
  tenant: string;
}

export function uidLabel(tenant: string, uid: string): string {
  return `${MARK_LABEL}-${createHash('sha256').update(`${tenant}\0${uid}`).digest('hex').slice(0, 32)}`;
}

/** The mark stored in an issue's property, if it is one. */
export function readMark(value: unknown): FindingMark | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { uid, tenant } = value as Record<string, unknown>;
  return typeof uid === 'string' && typeof tenant === 'string' ? { uid, tenant } : undefined;
}

/** A JQL string literal: double quotes, with `"` and `\` escaped (https://support.atlassian.com/jira-software-cloud/docs/use-advanced-search-with-jira-query-language-jql/). */
export const jqlString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
