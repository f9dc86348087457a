import type { CloudEvent } from '../../events/cloudevent';
import { servicenowDestinationSchema } from './config';
import { createFields } from './fields';
import { severityOf } from './severity';

/** Urgency and impact from the finding's severity word, which is event text (fields.ts, severity.ts). */
const config = (over: Record<string, unknown> = {}) =>
  servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: 'https://acme.service-now.com', auth: { type: 'basic', username: 'u', password: 'p' }, ...over });

const event = (data: Record<string, unknown>): CloudEvent => ({ specversion: '1.0', id: 'e1', source: '//secorch/webhooks/x', type: 'secorch.finding.created', subject: 'f-1', data });

test.each(['constructor', '__proto__', 'Constructor'])('a severity word that names a member of every object (%s) is an unknown severity, rated as one', (word) => {
  expect(severityOf({ severity: word })).toBe('unknown');
  expect(createFields(config(), { tenant: 'default', uid: 'f-1' }, event({ severity: word }))).toMatchObject({ urgency: '3', impact: '3' });
  const rated = config({ severity: { unknown: { urgency: '2', impact: '1' } } });
  expect(createFields(rated, { tenant: 'default', uid: 'f-1' }, event({ severity: word }))).toMatchObject({ urgency: '2', impact: '1' });
});
