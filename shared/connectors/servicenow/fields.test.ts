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

test('short_description: line breaks and control characters in a finding title become single spaces (the 160-character column is a one-line field)', () => {
  const title = 'SQL injection in\r\n  login()\n\n\tvia\u2028param\u0007id ';
  expect(createFields(config(), { tenant: 'default', uid: 'f-1' }, event({ finding_info: { uid: 'f-1', title } })).short_description).toBe('SQL injection in login() via param id');
});

test.each([
  ['empty', ''],
  ['whitespace', '   '],
  ['line breaks and control characters', ' \r\n\t\u0007 '],
  ['missing', undefined],
])('short_description: a finding whose title is %s is named by its uid, never blank (the create would fail with template_empty for good)', (_, title) => {
  const uid = 'CVE-2024-1:pillow';
  const short = (over: Record<string, unknown>, data: Record<string, unknown> = {}, subject?: string) =>
    createFields(config(over), { tenant: 'default', uid }, { ...event({ ...data, finding_info: { uid, title } }), subject }).short_description;
  // The default's alternatives: the message, then the subject, then the finding uid.
  expect(short({}, { message: 'Pillow 9.0 is vulnerable' })).toBe('Pillow 9.0 is vulnerable');
  expect(short({}, {}, 'scanner:CVE-2024-1:pillow')).toBe('scanner:CVE-2024-1:pillow');
  expect(short({})).toBe(uid);
  // A template's own alternatives still apply; one that leaves no letter or digit gives the fallback.
  expect(short({ fields: { shortDescription: "{{ data.finding_info.title || 'Untitled' }}" } })).toBe('Untitled');
  expect(short({ fields: { shortDescription: '{{ data.finding_info.title }}' } }, { class_name: 'Vulnerability Finding' })).toBe(`Vulnerability Finding: ${uid}`);
  expect(short({ fields: { shortDescription: '[{{ data.finding_info.title }}]' } }, { class_name: ' ' })).toBe(`Security finding: ${uid}`);
});

test('short_description: the fallback is one line and capped at 160 too', () => {
  const short = (uid: string) => createFields(config({ fields: { shortDescription: '{{ data.finding_info.title }}' } }), { tenant: 'default', uid }, event({ finding_info: { uid, title: ' ' } }, uid)).short_description!;
  expect(short('scanner:a\r\n b')).toBe('Security finding: scanner:a b');
  expect(short(`scanner:${'u'.repeat(300)}`)).toBe(`Security finding: scanner:${'u'.repeat(133)}…`);
  expect(short(`scanner:${'u'.repeat(300)}`)).toHaveLength(160);
});
