import type { CloudEvent } from '../../events/cloudevent';
import { servicenowDestinationSchema } from './config';
import { createFields, reopenFields, replacementNote, resolveFields, workNote } from './fields';
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

/**
 * Journal fields (work_notes, comments) render text between `[code]` and `[/code]` as HTML
 * ("Journal fields render text wrapped in code tags as HTML", Journal field type, ServiceNow
 * Platform Administration). A finding's text, which its sender chooses, must not bring such a
 * block: it would show a link or a form of the sender's in the ticket. The configuration's own
 * text may (an operator formats the note so on purpose).
 */
const HOSTILE = 'XSS in [code]<a href="https://evil.example/reset">Reset your password</a>[/CODE] form';
const noTag = (text: string) => expect(text).not.toMatch(/\[\s*\/?\s*code\s*\]/i);

test('a code tag in finding text reaches no text field of the record as a tag; the text is otherwise kept', () => {
  const c = config({
    workNote: '[code]<b>secorch</b>[/code] {{ data.finding_info.title }}',
    resolve: { closeNotes: 'Fixed: {{ data.finding_info.title }}' },
    reopen: { workNote: '{{ data.finding_info.title }}' },
    fields: { description: '{{ data.finding_info.title }}', extra: { comments: 'Seen: {{ data.finding_info.title }}', u_raw: '{{ data.finding_info.title }}' } },
  });
  const e = { ...event({ finding_info: { uid: '[code]<img src=x>[/code]', title: HOSTILE } }), subject: '[code]<img src=x>[/code]' };
  const created = createFields(c, { tenant: 'default', uid: 'f-1' }, e);
  const texts = [created.description!, created.comments!, created.u_raw!, resolveFields(c, e).close_notes!, reopenFields(c, e).work_notes!, replacementNote('INC0010001', e.subject!)];
  for (const text of texts) noTag(text);
  expect(created.description!.replace(/\u200B/g, '')).toBe(HOSTILE);
  // The configuration's own tag stays a tag; the value inside the note does not.
  expect(workNote(c, e).startsWith('[code]<b>secorch</b>[/code] ')).toBe(true);
  noTag(workNote(c, e).slice('[code]<b>secorch</b>[/code] '.length));
});
