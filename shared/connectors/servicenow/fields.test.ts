import type { CloudEvent } from '../../events/cloudevent';
import { servicenowDestinationSchema } from './config';
import { correlationId } from './correlation';
import { createFields, resolveFields, workNote } from './fields';

/** Pure field building (fields.ts, correlation.ts): no instance involved. */
const config = (over: Record<string, unknown> = {}) =>
  servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: 'https://acme.service-now.com', auth: { type: 'basic', username: 'u', password: 'p' }, ...over });

const event = (data: Record<string, unknown>, subject = 'f-1'): CloudEvent => ({ specversion: '1.0', id: 'e1', source: '//secorch/webhooks/x', type: 'secorch.finding.created', subject, data });

/** Half a surrogate pair anywhere in the text: JSON.stringify writes it as a lone \udXXX escape. */
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

test('cuts to the column sizes never split an emoji (short_description 160, description, work note and close notes 4000)', () => {
  const fire = '\u{1F525}';
  // 158 characters then emoji: the cut at 159 (+ '…') falls inside the first one.
  const title = `${'x'.repeat(158)}${fire.repeat(10)}`;
  const long = `${'y'.repeat(3998)}${fire.repeat(10)}`;
  const c = config({ workNote: '{{ data.long }}', resolve: { closeNotes: '{{ data.long }}' }, fields: { shortDescription: '{{ data.title }}', description: '{{ data.long }}' } });
  const e = event({ title, long });
  const fields = createFields(c, { tenant: 'default', uid: 'f-1' }, e);
  expect(fields.short_description).toBe(`${'x'.repeat(158)}…`);
  for (const text of [fields.short_description!, fields.description!, workNote(c, e), resolveFields(c, e).close_notes!]) {
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text).not.toMatch(LONE);
  }
});

test('a uid that starts with javascript: is never sent as a query value: the instance would run it as a script', () => {
  // https://www.servicenow.com/docs (encoded queries): a value `javascript:...` is evaluated on the instance.
  for (const uid of ['javascript:gs.getUserID()', 'JavaScript:new GlideRecord("sys_user")', 'javascript:']) {
    expect(correlationId('default', uid)).toMatch(/^sha256:[0-9a-f]{64}$/);
  }
  // Only the prefix matters: the word elsewhere is plain text.
  expect(correlationId('default', 'scanner:javascript:xss')).toBe('scanner:javascript:xss');
});
