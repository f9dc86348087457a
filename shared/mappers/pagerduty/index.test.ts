import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCloudEvent } from '../../events/cloudevent';
import type { MappedEvent } from '../types';
import { pagerdutyMapper } from './index';

// PagerDuty's documented V3 examples (fixtures/README.md). Other states are the first example
// with event_type and data.status changed as the page's "Event Types" describe them.
type Json = Record<string, unknown>;
const load = (name: string): Json => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as Json;
const example = () => load('incident.priority_updated.json') as { event: Json & { data: Json } };
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const map = (payload: unknown) => pagerdutyMapper({ deliveryId: 'w-1', payload, receivedAt: RECEIVED }) as MappedEvent | undefined;
const as = (eventType: string, status?: string) => {
  const p = example();
  p.event.event_type = eventType;
  if (status !== undefined) p.event.data.status = status;
  return p;
};

describe('PagerDuty v3 incident webhooks', () => {
  test('the documented incident.priority_updated: an updated P1 Incident Finding with assignee and team', () => {
    const ev = map(example());
    expect(ev).toMatchObject({ type: 'secorch.finding.updated', subject: 'pagerduty:PGR0VU2', time: '2020-10-02T18:45:22.169Z', key: '5ac64822-4adc-4fda-ade0-410becf0de4f' });
    expect(ev?.data).toEqual({
      category_uid: 2, category_name: 'Findings', class_uid: 2005, class_name: 'Incident Finding',
      activity_id: 2, activity_name: 'Update', type_uid: 200502, type_name: 'Incident Finding: Update',
      // `priority` is priority_id's OCSF sibling, its caption; PagerDuty's own name stays in unmapped.
      severity_id: 5, severity: 'Critical', status_id: 1, status: 'New', priority_id: 4, priority: 'Critical',
      time: Date.parse('2020-10-02T18:45:22.169Z'),
      message: 'A little bump in the road',
      desc: 'A little bump in the road',
      src_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
      assignee: { uid: 'PTUXL6G', name: 'User 123', type: 'User', type_id: 1 },
      assignee_group: { uid: 'PFCVPS0', name: 'Engineering' },
      finding_info_list: [{
        uid: 'pagerduty:PGR0VU2', title: 'A little bump in the road', created_time: Date.parse('2020-04-09T15:16:27Z'),
        src_url: 'https://acme.pagerduty.com/incidents/PGR0VU2', types: ['incident'],
      }],
      metadata: {
        version: '1.3.0', product: { name: 'PagerDuty', vendor_name: 'PagerDuty' }, uid: '5ac64822-4adc-4fda-ade0-410becf0de4f',
        event_code: 'incident.priority_updated', original_time: '2020-10-02T18:45:22.169Z', logged_time: RECEIVED,
      },
      unmapped: {
        number: 2, incident_key: 'd3640fbd41094207a1c11e58e46b1662', urgency: 'high', priority: 'P1',
        service: { uid: 'PF9KMXH', name: 'API Service' }, escalation_policy: { uid: 'PUS0KTE', name: 'Default' },
        agent: { uid: 'PLH1HKV', name: 'Tenex Engineer' },
      },
    });
    expect(validateCloudEvent({ specversion: '1.0', id: '1', source: '/webhooks/pd', ...ev })).toEqual([]);
  });

  test.each([
    ['incident.triggered', 'triggered', 'secorch.finding.created', 1, 1],
    ['incident.acknowledged', 'acknowledged', 'secorch.finding.updated', 2, 2],
    ['incident.unacknowledged', 'triggered', 'secorch.finding.updated', 2, 1],
    ['incident.escalated', 'triggered', 'secorch.finding.updated', 2, 1],
    ['incident.resolved', 'resolved', 'secorch.finding.resolved', 3, 4],
    ['incident.reopened', 'triggered', 'secorch.finding.updated', 2, 1],
    ['incident.resolved', undefined, 'secorch.finding.resolved', 3, 1], // status as sent wins over the event name
  ])('%s (status %s): %s, activity %i, status %i, same uid', (eventType, status, type, activityId, statusId) => {
    const ev = map(as(eventType, status));
    expect(ev).toMatchObject({ type, subject: 'pagerduty:PGR0VU2', data: { activity_id: activityId, status_id: statusId, finding_info_list: [{ uid: 'pagerduty:PGR0VU2' }] } });
  });

  test('a status the event implies is used when data has none (e.g. unknown status values)', () => {
    expect(map(as('incident.acknowledged', 'snoozed'))?.data).toMatchObject({ status_id: 2, status: 'In Progress' });
    expect(map(as('incident.priority_updated', 'snoozed'))?.data).toMatchObject({ status_id: 0, status: 'Unknown' });
  });

  // OCSF: `priority` is "normalized to the caption of the priority_id value. In the case of
  // 'Other', it is defined by the event source". It was PagerDuty's name (P2) beside priority_id 3.
  test.each([
    [{ summary: 'P2' }, 'high', 4, 3, 'High'], [{ summary: 'p3' }, 'high', 3, 2, 'Medium'], [{ summary: 'P5' }, 'high', 1, 1, 'Low'],
    [{ summary: 'SEV-1' }, 'low', 2, 99, 'SEV-1'], [null, 'high', 4, undefined, undefined], [null, 'low', 2, undefined, undefined],
    [null, 'urgent', 0, undefined, undefined],
  ])('priority %o, urgency %s -> severity %i, priority_id %p, priority %p', (priority, urgency, severityId, priorityId, caption) => {
    const p = example();
    Object.assign(p.event.data, { priority, urgency });
    const data = map(p)?.data as Json;
    expect(data.severity_id).toBe(severityId);
    expect(data.priority_id).toBe(priorityId);
    expect(data.priority).toBe(caption);
    // The vendor's name is kept when the caption replaces it.
    expect((data.unmapped as Json).priority).toBe(priorityId === undefined || priorityId === 99 ? undefined : priority!.summary);
  });

  test('without teams the escalation policy is the assignee group; without assignees there is no assignee', () => {
    const p = example();
    Object.assign(p.event.data, { teams: [], assignees: [] });
    const data = map(p)?.data as Json;
    expect(data.assignee_group).toEqual({ uid: 'PUS0KTE', name: 'Default' });
    expect(data.assignee).toBeUndefined();
  });

  test('incident.annotated (documented incident_note data): an update of the same incident carrying the note', () => {
    const p = example();
    p.event.event_type = 'incident.annotated';
    p.event.data = load('incident_note.data.json');
    expect(map(p)).toMatchObject({
      type: 'secorch.finding.updated', subject: 'pagerduty:PGR0VU2',
      data: { status_id: 0, comment: 'I sure am glad we are using PagerDuty!', finding_info_list: [{ uid: 'pagerduty:PGR0VU2', title: 'A little bump in the road', types: ['incident_note'] }] },
    });
  });

  test('the documented service.updated and malformed bodies give undefined (published as received)', () => {
    expect(map(load('service.updated.json'))).toBeUndefined();
    const noId = example();
    delete noId.event.data.id;
    for (const payload of [noId, null, 'x', [], {}, { event: null }, { event: { event_type: 'incident.triggered' } }, { event: { event_type: 5, data: {} } }]) {
      expect(map(payload)).toBeUndefined();
    }
  });
});
