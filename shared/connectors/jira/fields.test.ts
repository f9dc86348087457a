import { adf } from './adf';
import { jiraDestinationSchema } from './config';
import { newIssue, priorityFor } from './fields';
import { jqlDate, parseJiraTime } from './jql-date';
import { findingEvent, jiraConfig } from './jira.testkit';
import { jqlString, uidLabel } from './uid';

/** ADF: https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/ */
test('ADF: paragraphs at blank lines, hard breaks at newlines, no empty text nodes', () => {
  expect(adf('one\r\ntwo\n\n\n  \nthree\n')).toEqual({ type: 'doc', version: 1, content: [
    { type: 'paragraph', content: [{ type: 'text', text: 'one' }, { type: 'hardBreak' }, { type: 'text', text: 'two' }] },
    { type: 'paragraph', content: [{ type: 'text', text: 'three' }] },
  ] });
  expect(adf('')).toEqual({ type: 'doc', version: 1, content: [] });
});

test('config: defaults, and templates with a bad placeholder are refused with their path', () => {
  const c = jiraConfig('https://example.atlassian.net');
  expect(c).toMatchObject({ summary: '[{{ data.severity || data.severity_id }}] {{ data.finding_info.title || subject || data.finding_info.uid }}', resolveTransition: 'Done', labels: [] });
  const bad = jiraDestinationSchema.safeParse({ ...c, summary: '{{ data.title + 1 }}' });
  expect(bad.success).toBe(false);
  expect(bad.error?.issues[0]?.path).toEqual(['summary']);
  expect(jiraDestinationSchema.safeParse({ ...c, project: 'SEC" OR project = "HR' }).success).toBe(false);
  expect(jiraDestinationSchema.safeParse({ ...c, extra: 1 }).success).toBe(false);
  // No reopenTransition: the first transition out of the done category; an empty one is refused.
  expect(c.reopenTransition).toBeUndefined();
  expect(jiraConfig('https://example.atlassian.net', { reopenTransition: 'Reopen' }).reopenTransition).toBe('Reopen');
  expect(jiraDestinationSchema.safeParse({ ...c, reopenTransition: '' }).error?.issues[0]?.path).toEqual(['reopenTransition']);
});

test('priority by severity text (any case) or severity_id; unmatched leaves the project default', () => {
  const c = jiraConfig('https://x.atlassian.net', { priority: { CRITICAL: 'Highest', '4': 'High' } });
  expect(priorityFor(c, findingEvent('e', 'created', 'f', { data: { severity: 'critical' } }))).toBe('Highest');
  expect(priorityFor(c, findingEvent('e', 'created', 'f', { data: { severity: 'Major', severity_id: 4 } }))).toBe('High');
  expect(priorityFor(c, findingEvent('e', 'created', 'f', { data: { severity: 'Low', severity_id: 2 } }))).toBeUndefined();
  expect(newIssue(c, findingEvent('e', 'created', 'f', { data: { severity_id: 2, finding_info: { title: 'T' } } }), { uid: 'f', tenant: 't' }).fields.priority).toBeUndefined();
});

test('summary capped at 255; numeric project is an id; fields.labels join the marks instead of replacing them', () => {
  const c = jiraConfig('https://x.atlassian.net', { project: '10042', fields: { labels: ['mine'], customfield_10001: '{{ data.finding_info.uid }}' } });
  const issue = newIssue(c, findingEvent('e', 'created', 'f', { data: { severity: 'High', finding_info: { uid: 'u-7', title: 'x'.repeat(400) } } }), { uid: 'u-7', tenant: 't' });
  expect((issue.fields.summary as string).length).toBe(255);
  expect(issue.fields).toMatchObject({ project: { id: '10042' }, customfield_10001: 'u-7', labels: ['mine', 'secorch', uidLabel('t', 'u-7')] });
});

test('cuts never split an emoji: summary, labels and the description stay valid Unicode', () => {
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const c = jiraConfig('https://x.atlassian.net', { summary: '{{ data.finding_info.title }}', fields: { labels: ['{{ data.tag }}'] } });
  // Emoji after 253 and 254 characters: the summary's cut (254 + '…') and the label's (255) each fall inside one.
  const title = `${'x'.repeat(253)}${'\u{1F525}'.repeat(20)}`;
  const tag = `${'x'.repeat(254)}${'\u{1F525}'.repeat(20)}`;
  const issue = newIssue(c, findingEvent('e', 'created', 'f', { data: { tag, finding_info: { uid: 'u', title } } }), { uid: 'u', tenant: 't' });
  expect(issue.fields.summary).toBe(`${'x'.repeat(253)}…`);
  expect(issue.fields.summary as string).not.toMatch(lone);
  expect((issue.fields.labels as string[])[0]).toBe('x'.repeat(254));
  const text = JSON.stringify(adf(`${'y'.repeat(31_999)}${'\u{1F525}'.repeat(5)}`));
  expect(text).not.toMatch(/\\ud[89ab][0-9a-f]{2}/i);
});

test('uid label: fixed length, differs per tenant; JQL strings escape quotes and backslashes', () => {
  expect(uidLabel('a', 'f 1/"x"')).toMatch(/^secorch-[0-9a-f]{32}$/);
  expect(uidLabel('a', 'f')).not.toBe(uidLabel('b', 'f'));
  expect(jqlString('a"b\\c')).toBe('"a\\"b\\\\c"');
});

test('JQL dates in the account zone, rounded down to the minute; Jira timestamps parsed', () => {
  const t = Date.parse('2030-07-01T12:34:59Z');
  expect(jqlDate(t, 'UTC')).toBe('2030-07-01 12:34');
  expect(jqlDate(t, 'Asia/Kolkata')).toBe('2030-07-01 18:04');
  expect(jqlDate(t, 'America/Los_Angeles')).toBe('2030-07-01 05:34');
  expect(parseJiraTime('2030-07-01T14:34:59.000+0200')).toBe(t);
  expect(parseJiraTime('soon')).toBeUndefined();
});

test('summary: line breaks and control characters in a finding title become single spaces (Jira refuses a multi-line summary)', () => {
  const c = jiraConfig('https://x.atlassian.net');
  const title = 'SQL injection in\r\n  login()\n\n\tvia\u2028param\u0007id ';
  const issue = newIssue(c, findingEvent('e', 'created', 'f', { data: { severity: 'High', finding_info: { uid: 'f', title } } }), { uid: 'f', tenant: 't' });
  expect(issue.fields.summary).toBe('[High] SQL injection in login() via param id');
});

test.each([
  ['empty', ''],
  ['whitespace', '   '],
  ['line breaks and control characters', ' \r\n\t\u0007 '],
  ['missing', undefined],
])('summary: a finding whose title is %s is named by its uid, never a blank summary (Jira requires one)', (_, title) => {
  const event = (data: Record<string, unknown>) => findingEvent('e', 'created', 'CVE-2024-1:pillow', { data: { severity: 'High', ...data, finding_info: { uid: 'CVE-2024-1:pillow', title } } });
  const summary = (extra: Record<string, unknown>, data: Record<string, unknown> = {}) => newIssue(jiraConfig('https://x.atlassian.net', extra), event(data), { uid: 'CVE-2024-1:pillow', tenant: 't' }).fields.summary;
  expect(summary({})).toBe('[High] CVE-2024-1:pillow');
  // A template's own alternatives still apply; one that leaves no word at all gives the fallback.
  expect(summary({ summary: "{{ data.finding_info.title || 'Untitled' }}" })).toBe('Untitled');
  expect(summary({ summary: '{{ data.finding_info.title }}' }, { class_name: 'Vulnerability Finding' })).toBe('Vulnerability Finding: CVE-2024-1:pillow');
  expect(summary({ summary: '[{{ data.finding_info.title }}]' }, { class_name: ' ' })).toBe('Security finding: CVE-2024-1:pillow');
});

test('summary: the fallback is one line and capped at 255 too', () => {
  const summary = (uid: string) => newIssue(jiraConfig('https://x.atlassian.net', { summary: '{{ data.finding_info.title }}' }), findingEvent('e', 'created', uid, { data: { finding_info: { uid, title: ' ' } } }), { uid, tenant: 't' }).fields.summary as string;
  expect(summary('scanner:a\r\n b')).toBe('Security finding: scanner:a b');
  expect(summary(`scanner:${'u'.repeat(300)}`)).toBe(`Security finding: scanner:${'u'.repeat(228)}…`);
  expect(summary(`scanner:${'u'.repeat(300)}`)).toHaveLength(255);
});
