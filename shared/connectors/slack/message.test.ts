import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from './config';
import { findingEvent, hostileEvent } from './events.testkit';
import { escapeMrkdwn, slackMessage } from './message';
import { chatSummary } from './summary';

/** Block Kit reference: https://api.slack.com/reference/block-kit/blocks ; escaping: https://api.slack.com/reference/surfaces/formatting#escaping */
const defaults = { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS };

test('a finding becomes a header, its description, its fields and a link, with a text fallback', () => {
  expect(slackMessage(chatSummary(findingEvent('created'), defaults))).toEqual({
    text: '[High] Query built from user-controlled sources',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Query built from user-controlled sources', emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: 'Building a SQL or Java Persistence query from user-controlled sources is vulnerable to insertion of malicious code by the user.', verbatim: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Severity*\nHigh', verbatim: true },
          { type: 'mrkdwn', text: '*Status*\nNew', verbatim: true },
          { type: 'mrkdwn', text: '*Resource*\nCodertocat/Hello-World', verbatim: true },
          { type: 'mrkdwn', text: '*Finding*\ngithub:Codertocat/Hello-World:code_scanning_alert:10', verbatim: true },
          { type: 'mrkdwn', text: '*Event*\nsecorch.finding.created', verbatim: true },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '<https://github.com/Codertocat/Hello-World/security/code-scanning/10|View details>', verbatim: true } },
    ],
  });
});

test('event content cannot mention, link or smuggle a non-http link', () => {
  const m = slackMessage(chatSummary(hostileEvent(), defaults));
  const json = JSON.stringify(m);
  expect(m.text).toBe('[High] Fix &lt;!channel&gt; &amp; &lt;@U0123ABCD&gt; now');
  expect(m.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'See &lt;https://evil.example|the official advisory&gt; or [here](https://evil.example) **now**', verbatim: true } });
  // The header is plain_text, which Slack shows as written.
  expect(m.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Fix <!channel> & <@U0123ABCD> now', emoji: false } });
  expect(json).not.toContain('<!channel>"');
  expect(json).not.toContain('javascript:');
  expect(m.blocks).toHaveLength(3);
  expect(escapeMrkdwn('a&b<c>d')).toBe('a&amp;b&lt;c&gt;d');
});

test('templates are overridable; Block Kit limits hold without cutting an entity in half', () => {
  const long = findingEvent('created');
  (long.data as { finding_info: { desc: string } }).finding_info.desc = `${'x'.repeat(2996)}<<<<`;
  const m = slackMessage(chatSummary(long, { ...defaults, title: '{{ data.severity }}: {{ data.finding_info.analytic.name }}', fields: { Rule: '{{ data.finding_info.analytic.uid }}', Nothing: '{{ data.nope }}' } }));
  expect(m.blocks[0]).toMatchObject({ text: { text: 'High: java/sql-injection' } });
  const section = (m.blocks[1] as { text: { text: string } }).text.text;
  expect(section).toHaveLength(2997);
  expect(section.endsWith('x…')).toBe(true);
  expect(m.blocks[2]).toEqual({ type: 'section', fields: [{ type: 'mrkdwn', text: '*Rule*\njava/sql-injection', verbatim: true }] });
  expect(m.text).toBe('High: java/sql-injection');
});
