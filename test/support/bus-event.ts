import type { CloudEvent } from '../../shared/events/cloudevent';

/** The event the bus publisher tests publish: non-ASCII data, so byte sizes differ from lengths. */
export const busTestEvent = (): CloudEvent => ({
  specversion: '1.0',
  id: 'evt-1',
  source: 'secorch://webhook/github',
  type: 'secorch.finding.created',
  time: '2026-01-01T00:00:00Z',
  tenant: 'acme',
  data: { title: 'Zażółć gęślą jaźń', severity: 'high' },
});
