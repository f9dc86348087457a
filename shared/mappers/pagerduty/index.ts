/**
 * The PagerDuty mapper: v3 webhook incident events -> OCSF Incident Finding (2005), one per
 * delivery, uid `pagerduty:<incident id>` for the incident's whole life. Other resources
 * (service.*) return undefined and are published as secorch.webhook.received.
 * Payload: https://developer.pagerduty.com/docs/webhooks-overview (V3 "Webhook Payload", "Event Data Types")
 */
import { OCSF_VERSION, type SeverityId } from '../ocsf';
import { buildIncident, type IncidentStatusId, type PriorityId } from '../ocsf-incident';
import { arr, compact, epochMs, lookup, num, obj, str, type Json } from '../read';
import { TRANSITION_EVENT_TYPES, type FindingTransition, type Mapper } from '../types';

/** data.status of an incident; annotations and responder events carry none. */
const STATUS: Record<string, IncidentStatusId> = { triggered: 1, acknowledged: 2, resolved: 4 };
/** The status an event type leaves behind, for data types without a status. */
const STATUS_AFTER: Record<string, IncidentStatusId> = {
  'incident.triggered': 1, 'incident.unacknowledged': 1, 'incident.reopened': 1, 'incident.acknowledged': 2, 'incident.resolved': 4,
};

/** PagerDuty's default priority names P1 (highest) to P5; accounts may rename them. */
const PRIORITY: Record<string, { severity: SeverityId; priority: PriorityId }> = {
  P1: { severity: 5, priority: 4 }, P2: { severity: 4, priority: 3 }, P3: { severity: 3, priority: 2 },
  P4: { severity: 2, priority: 1 }, P5: { severity: 1, priority: 1 },
};
/** Urgency is what pages people: high pages at once, low does not. */
const URGENCY: Record<string, SeverityId> = { high: 4, low: 2 };

/**
 * incident.resolved closes the incident, and so does any other event whose incident is resolved
 * (a priority or service change after the resolve): as `updated` it read downstream as the
 * incident opening again (a ticket re-opened or made, a PagerDuty destination paging).
 */
const transitionOf = (eventType: string, statusId: IncidentStatusId): FindingTransition =>
  eventType === 'incident.resolved' || statusId === 4 ? 'resolved' : eventType === 'incident.triggered' ? 'created' : 'updated';

/** A PagerDuty reference ({id, summary, html_url, type}) as an OCSF user or group. */
const ref = (v: unknown): Json | undefined => {
  const r = obj(v);
  const uid = str(r?.id);
  return uid === undefined ? undefined : compact({ uid, name: str(r?.summary) });
};

export const pagerdutyMapper: Mapper = (input) => {
  const event = obj(obj(input.payload)?.event);
  const data = obj(event?.data);
  const eventType = str(event?.event_type);
  if (event === undefined || data === undefined || eventType === undefined || !eventType.startsWith('incident.')) return undefined;
  // Incident events carry the incident; notes, status updates and responders carry a reference to it.
  const incident = data.type === 'incident' ? data : obj(data.incident);
  const id = str(incident?.id);
  if (incident === undefined || id === undefined) return undefined;
  const uid = `pagerduty:${id}`;
  const statusId = lookup(STATUS, incident.status) ?? lookup(STATUS_AFTER, eventType) ?? 0;
  const transition = transitionOf(eventType, statusId);
  const priorityName = str(obj(incident.priority)?.summary);
  const priority = lookup(PRIORITY, priorityName?.toUpperCase());
  const occurred = epochMs(event.occurred_at);
  const assignee = ref(arr(incident.assignees)[0]);
  const finding = buildIncident({
    transition,
    severityId: priority?.severity ?? lookup(URGENCY, incident.urgency) ?? 0,
    statusId,
    priorityId: priority?.priority ?? (priorityName === undefined ? undefined : 99),
    priority: priorityName,
    time: occurred ?? input.receivedAt,
    desc: str(incident.title) ?? str(incident.summary),
    src_url: str(incident.html_url),
    comment: str(data.content) ?? str(data.message),
    assignee: assignee && { ...assignee, type: 'User', type_id: 1 },
    assignee_group: ref(arr(incident.teams)[0]) ?? ref(incident.escalation_policy),
    finding_info_list: [compact({
      uid,
      title: str(incident.title) ?? str(incident.summary) ?? `PagerDuty incident ${id}`,
      created_time: epochMs(incident.created_at),
      src_url: str(incident.html_url),
      types: [str(data.type) ?? 'incident'],
    })],
    metadata: compact({
      version: OCSF_VERSION,
      product: { name: 'PagerDuty', vendor_name: 'PagerDuty' },
      uid: str(event.id),
      event_code: eventType,
      original_time: occurred === undefined ? undefined : str(event.occurred_at),
      logged_time: input.receivedAt,
    }),
    unmapped: compact({
      number: num(incident.number),
      incident_key: str(incident.incident_key),
      urgency: str(incident.urgency),
      // The account's own name, where OCSF `priority` holds the caption of priority_id.
      priority: priority === undefined ? undefined : priorityName,
      service: ref(incident.service),
      escalation_policy: ref(incident.escalation_policy),
      agent: ref(event.agent),
      resolve_reason: obj(incident.resolve_reason) ?? str(incident.resolve_reason),
    }),
  });
  return compact({
    type: TRANSITION_EVENT_TYPES[transition],
    subject: uid,
    time: occurred === undefined ? undefined : new Date(occurred).toISOString(),
    data: finding,
    key: str(event.id),
  });
};
