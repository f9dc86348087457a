import type { CloudEvent } from '../../events/cloudevent';
import { stableEventId } from '../../events/ids';
import type { StateStore } from '../../ports/store';
import type { SearchedIssue } from './search-issues';
import { type IssueStatus, statusOf } from './status';
import { FINDING_PROPERTY, readMark } from './uid';
import { parseJiraTime } from './jql-date';

/**
 * One issue seen by the ticket sync: compared with the status last seen for it (kept in the
 * state store), it gives at most one `secorch.ticket.status_changed` event. The event id is
 * derived from the issue, both statuses and the issue's `updated` time, so a page read again
 * after an interruption yields the same id and consumers drop the repeat on (source, id).
 */
export const STATUS_CHANGED = 'secorch.ticket.status_changed';

export interface SyncScope {
  schedule: string;
  tenant: string;
  /** Jira site, for ticket links. */
  baseUrl: URL;
  /** First round ever, or the first on another site or project: record what is there, report nothing. */
  baseline: boolean;
  /**
   * A digest of the site and project read (schedules/jobs/sync-target.ts): the statuses are kept under keys
   * that carry it, and event ids include it, because issue ids are numbers counted from 10000 on
   * every site and so name different issues on two sites. Unset: the keys from before targets were
   * recorded, kept for the site and project an upgraded schedule already read.
   */
  target?: string;
}

export type Observation = { kind: 'skipped' | 'unchanged' | 'recorded' } | { kind: 'changed'; event: CloudEvent; status: IssueStatus };

type KeyScope = Pick<SyncScope, 'schedule' | 'tenant' | 'target'>;
/** Where the statuses of one target are kept. No prefix begins another: a digest is hex, never `issue`. */
export const issuePrefix = (s: KeyScope) => `jira-sync:${s.schedule}:${s.tenant}:${s.target === undefined ? '' : `${s.target}:`}issue:`;
export const issueKey = (s: KeyScope, issueId: string) => `${issuePrefix(s)}${issueId}`;

export async function observe(store: StateStore, scope: SyncScope, issue: SearchedIssue): Promise<Observation> {
  const mark = readMark(issue.properties[FINDING_PROPERTY]);
  const status = statusOf(issue.fields.status);
  // Issues of another tenant, or without a finding mark, are not this job's to report.
  if (!mark || mark.tenant !== scope.tenant || !status) return { kind: 'skipped' };
  const held = await store.get(issueKey(scope, issue.id));
  const last = held ? (JSON.parse(held.value) as IssueStatus) : undefined;
  if (last?.id === status.id) return { kind: 'unchanged' };
  // First sight: an issue still in its initial category has not changed; one that left it before
  // the sync saw it is reported with `from: null`, unless this is the first round of all.
  if (!last && (scope.baseline || status.category === 'new' || status.category === undefined)) {
    await store.put(issueKey(scope, issue.id), JSON.stringify(status));
    return { kind: 'recorded' };
  }
  const updated = parseJiraTime(issue.fields.updated);
  const event: CloudEvent = {
    specversion: '1.0',
    id: stableEventId('jira-sync', scope.tenant, scope.schedule, issue.id, last?.id ?? '', status.id, String(issue.fields.updated ?? ''), ...(scope.target === undefined ? [] : [scope.target])),
    source: `//secorch/schedules/${scope.schedule}`,
    type: STATUS_CHANGED,
    subject: mark.uid,
    ...(updated === undefined ? {} : { time: new Date(updated).toISOString() }),
    datacontenttype: 'application/json',
    tenant: scope.tenant,
    origin: `schedule:${scope.schedule}`,
    data: {
      finding_uid: mark.uid,
      ticket_system: 'jira',
      ticket_id: issue.id,
      ticket_key: issue.key,
      ticket_url: new URL(`/browse/${encodeURIComponent(issue.key)}`, scope.baseUrl).href,
      from: last?.name ?? null,
      to: status.name,
      to_category: status.category ?? null,
    },
  };
  return { kind: 'changed', event, status };
}

/** Recorded after the event is published: a crash in between publishes it again, with the same id. */
export const remember = (store: StateStore, scope: SyncScope, issueId: string, status: IssueStatus) =>
  store.put(issueKey(scope, issueId), JSON.stringify(status));
