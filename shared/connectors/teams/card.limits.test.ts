import type { CloudEvent } from '../../events/cloudevent';
import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from '../slack/config';
import { findingEvent } from '../slack/events.testkit';
import { chatSummary } from '../slack/summary';
import { teamsMessage } from './card';
import { fitBytes } from './fit';

/**
 * Teams refuses a webhook message over 28 KB of JSON
 * (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook),
 * so no event may make a card that large: the finding would never be shown.
 */
const LIMIT = 28 * 1024;
const defaults = { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS };
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

function bulky(unit: string): CloudEvent {
  const e = findingEvent('created');
  const data = e.data as { finding_info: Record<string, unknown>; resources: { uid: string }[]; status: string };
  data.finding_info.title = `T${unit.repeat(3000)}`;
  data.finding_info.desc = `D${unit.repeat(3000)}`;
  data.finding_info.uid = `F${unit.repeat(3000)}`;
  data.resources = [{ uid: `R${unit.repeat(3000)}` }];
  data.status = `S${unit.repeat(3000)}`;
  data.finding_info.src_url = `https://github.com/Codertocat/Hello-World/security/code-scanning/10?q=${'a'.repeat(6000)}`;
  return e;
}

test.each([
  ['CJK text (3 bytes each in UTF-8)', '\u6f0f'],
  ['Markdown characters (escaped, then 3 bytes each in JSON)', '*'],
  ['control characters (6 bytes each in JSON)', '\u0007'],
])('a card stays under the 28 KB message limit whatever the event holds: %s', (_name, unit) => {
  const m = teamsMessage(chatSummary(bulky(unit), defaults));
  expect(bytes(m)).toBeLessThan(LIMIT);
  const card = m.attachments[0]!.content as { body: { text?: string }[]; actions?: unknown };
  expect(card.body[0]!.text!.startsWith('T')).toBe(true);
  expect(card.body[1]!.text!.startsWith('D')).toBe(true);
  expect(card.actions).toBeUndefined();
});

test('a cut keeps whole escapes and whole characters, and marks the cut', () => {
  const escape = (s: string) => s.replace(/\*/g, '\\*');
  // 9 bytes of budget: "a" (1) + "\\*" (3) + "…" (3) fits; another "\\*" does not.
  expect(fitBytes('a****', 9, escape)).toBe('a\\*…');
  expect(fitBytes('ab\u{1F600}\u{1F600}', 9, (s) => s)).toBe('ab\u{1F600}…');
  expect(fitBytes('short', 9, escape)).toBe('short');
});
