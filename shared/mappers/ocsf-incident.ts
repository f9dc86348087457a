/**
 * OCSF 1.3.0 Incident Finding (class 2005, https://schema.ocsf.io/1.3.0/classes/incident_finding):
 * the creation, update or closure of an incident. Required: activity_id, finding_info_list,
 * status_id (plus the base event's); assignee or assignee_group is expected (at_least_one).
 * Its status enum differs from the other findings': 3 is On Hold and 5 Closed.
 */
import { ACTIVITY, FINDINGS_CATEGORY, SEVERITY, type SeverityId } from './ocsf';
import type { FindingInfo, Metadata, OcsfGroup, OcsfUser } from './ocsf-objects';
import { compact, type Json } from './read';
import type { FindingTransition } from './types';

export const INCIDENT_CLASS = { uid: 2005, name: 'Incident Finding' } as const;

export type IncidentStatusId = 0 | 1 | 2 | 3 | 4 | 5 | 99;
export const INCIDENT_STATUS: Record<IncidentStatusId, string> = {
  0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'On Hold', 4: 'Resolved', 5: 'Closed', 99: 'Other',
};

/** priority_id: 0 Unknown, 1 Low, 2 Medium, 3 High, 4 Critical, 99 Other. */
export type PriorityId = 0 | 1 | 2 | 3 | 4 | 99;
export const PRIORITY: Record<PriorityId, string> = { 0: 'Unknown', 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Critical', 99: 'Other' };

export interface IncidentParts {
  transition: FindingTransition;
  severityId: SeverityId;
  statusId: IncidentStatusId;
  priorityId?: PriorityId;
  /**
   * The source's name of the priority (P1). OCSF `priority` is "normalized to the caption of the
   * priority_id value", so the name is used only for 99 Other.
   */
  priority?: string;
  time: number;
  desc?: string;
  src_url?: string;
  comment?: string;
  assignee?: OcsfUser;
  assignee_group?: OcsfGroup;
  finding_info_list: FindingInfo[];
  metadata: Metadata;
  unmapped?: Json;
}

export function buildIncident(p: IncidentParts): Json {
  const activity = ACTIVITY[p.transition];
  return compact({
    category_uid: FINDINGS_CATEGORY.uid,
    category_name: FINDINGS_CATEGORY.name,
    class_uid: INCIDENT_CLASS.uid,
    class_name: INCIDENT_CLASS.name,
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: INCIDENT_CLASS.uid * 100 + activity.id,
    type_name: `${INCIDENT_CLASS.name}: ${activity.name}`,
    severity_id: p.severityId,
    severity: SEVERITY[p.severityId],
    status_id: p.statusId,
    status: INCIDENT_STATUS[p.statusId],
    priority_id: p.priorityId,
    priority: p.priorityId === undefined ? undefined : p.priorityId === 99 ? p.priority ?? PRIORITY[99] : PRIORITY[p.priorityId],
    time: p.time,
    message: p.finding_info_list[0]?.title,
    desc: p.desc,
    src_url: p.src_url,
    comment: p.comment,
    assignee: p.assignee,
    assignee_group: p.assignee_group,
    finding_info_list: p.finding_info_list,
    metadata: p.metadata,
    unmapped: p.unmapped,
  });
}
