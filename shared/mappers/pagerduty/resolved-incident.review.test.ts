import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MappedEvent } from '../types';
import { pagerdutyMapper } from './index';

// PagerDuty's documented V3 example (fixtures/README.md), with event_type and data.status changed
// as the page's "Event Types" describe them.
type Json = Record<string, unknown>;
const example = () => JSON.parse(readFileSync(join(__dirname, 'fixtures', 'incident.priority_updated.json'), 'utf8')) as { event: Json & { data: Json } };
const map = (payload: unknown) => pagerdutyMapper({ deliveryId: 'w-1', payload, receivedAt: 0 }) as MappedEvent;

/*
 * An incident event whose data says the incident is resolved (a priority, field or service change
 * after the resolve) is not the incident opening again. Published as `updated`, a ticket
 * destination took it for a reopening dated after the resolve (a new ticket when none was made
 * yet) and a PagerDuty destination, which triggers on `updated` by default, paged again.
 */
describe('PagerDuty: events of a resolved incident', () => {
  test.each(['incident.priority_updated', 'incident.service_updated'])(
    '%s with data.status resolved: resolved, Resolved',
    (eventType) => {
      const p = example();
      p.event.event_type = eventType;
      p.event.data.status = 'resolved';
      const ev = map(p);
      expect(ev.data).toMatchObject({ status_id: 4, activity_id: 3 });
      expect(ev.type).toBe('secorch.finding.resolved');
    },
  );

  test('incident.reopened (status triggered) stays an update of an open incident', () => {
    const p = example();
    p.event.event_type = 'incident.reopened';
    p.event.data.status = 'triggered';
    expect(map(p)).toMatchObject({ type: 'secorch.finding.updated', data: { status_id: 1 } });
  });
});
