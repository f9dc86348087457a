import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from '../slack/config';
import { findingEvent, hostileEvent } from '../slack/events.testkit';
import { chatSummary } from '../slack/summary';
import { escapeMarkdown, teamsMessage } from './card';

/**
 * The documented webhook body: `type: message` with an Adaptive Card attachment
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook);
 * elements per https://adaptivecards.io/explorer/ (TextBlock, FactSet, Action.OpenUrl), schema 1.4.
 */
const defaults = { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS };

test('a finding becomes a message with one Adaptive Card: title, text, facts, a link', () => {
  expect(teamsMessage(chatSummary(findingEvent('created'), defaults))).toEqual({
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body: [
          { type: 'TextBlock', text: 'Query built from user-controlled sources', size: 'Large', weight: 'Bolder', wrap: true, color: 'Attention' },
          { type: 'TextBlock', text: 'Building a SQL or Java Persistence query from user-controlled sources is vulnerable to insertion of malicious code by the user.', wrap: true },
          {
            type: 'FactSet',
            facts: [
              { title: 'Severity', value: 'High' },
              { title: 'Status', value: 'New' },
              { title: 'Resource', value: 'Codertocat/Hello-World' },
              { title: 'Finding', value: 'github:Codertocat/Hello-World:code\\_scanning\\_alert:10' },
              { title: 'Event', value: 'secorch.finding.created' },
            ],
          },
        ],
        actions: [{ type: 'Action.OpenUrl', title: 'View details', url: 'https://github.com/Codertocat/Hello-World/security/code-scanning/10' }],
      },
    }],
  });
});

test('event content cannot write a Markdown link or formatting; a non-http link is dropped', () => {
  const card = teamsMessage(chatSummary(hostileEvent(), defaults)).attachments[0]!.content as { body: { text?: string }[]; actions?: unknown };
  expect(card.body[1]!.text).toBe('See <https://evil.example|the official advisory> or \\[here\\](https://evil.example) \\*\\*now\\*\\*');
  expect(card.actions).toBeUndefined();
  expect(escapeMarkdown('a\\b`c*d_e~f[g]h')).toBe('a\\\\b\\`c\\*d\\_e\\~f\\[g\\]h');
});

test('Medium is shown in the warning colour; no severity field, no colour', () => {
  const medium = findingEvent('created');
  (medium.data as { severity: string }).severity = 'Medium';
  expect(teamsMessage(chatSummary(medium, defaults)).attachments[0]!.content.body).toContainEqual(expect.objectContaining({ size: 'Large', color: 'Warning' }));
  const plain = teamsMessage(chatSummary(findingEvent('created'), { ...defaults, fields: { Rule: '{{ data.finding_info.analytic.uid }}' } }));
  expect((plain.attachments[0]!.content.body as object[])[0]).not.toHaveProperty('color');
});
