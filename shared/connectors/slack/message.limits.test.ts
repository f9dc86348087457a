import type { CloudEvent } from '../../events/cloudevent';
import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from './config';
import { findingEvent, hostileEvent } from './events.testkit';
import { slackMessage } from './message';
import { chatSummary } from './summary';

/**
 * What Slack would refuse or rewrite, whatever the event holds. Limits per the Block Kit
 * reference: header plain_text 150 characters (https://docs.slack.dev/reference/block-kit/blocks/header-block),
 * section text 3000 and each field 2000 (https://docs.slack.dev/reference/block-kit/blocks/section-block),
 * a text object 1 to 3000 (https://docs.slack.dev/reference/block-kit/composition-objects/text-object).
 * Slack refuses the whole message when one of them is exceeded.
 */
const defaults = { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS };
type Text = { type: string; text: string; verbatim?: boolean };
type Block = { type: string; text?: Text; fields?: Text[] };

const texts = (blocks: Record<string, unknown>[]) => (blocks as Block[]).flatMap((b) => [...(b.text ? [b.text] : []), ...(b.fields ?? [])]);
const finding = (edit: (info: Record<string, unknown>, data: Record<string, unknown>) => void): CloudEvent => {
  const e = findingEvent('created');
  const data = e.data as Record<string, unknown>;
  edit(data.finding_info as Record<string, unknown>, data);
  return e;
};

test('every mrkdwn text object is verbatim, so Slack does not rewrite the event text it carries', () => {
  const e = hostileEvent();
  (e.data as { finding_info: { desc: string } }).finding_info.desc = 'ping @channel @here in #general';
  const mrkdwn = texts(slackMessage(chatSummary(e, defaults)).blocks).filter((t) => t.type === 'mrkdwn');
  expect(mrkdwn.length).toBeGreaterThan(5);
  for (const t of mrkdwn) expect(t).toMatchObject({ verbatim: true });
});

test('a link too long for a section is left out; no text is over its limit', () => {
  const e = finding((info) => { info.src_url = `https://github.com/Codertocat/Hello-World/security/code-scanning/10?q=${'a'.repeat(3000)}`; });
  const m = slackMessage(chatSummary(e, defaults));
  for (const t of texts(m.blocks)) expect(t.text.length).toBeLessThanOrEqual(3000);
  expect(JSON.stringify(m)).not.toContain('View details');
  expect(m.blocks).toHaveLength(3);
});

test('a cut never leaves half a surrogate pair, which JSON carries as a lone \\ud83d escape', () => {
  const emoji = '\u{1F600}';
  const e = finding((info, data) => {
    info.title = `${'y'.repeat(148)}${emoji.repeat(3)}`;
    info.desc = `${'x'.repeat(2998)}${emoji.repeat(10)}`;
    data.resources = [{ uid: `${'z'.repeat(1987)}${emoji.repeat(5)}` }];
  });
  const m = slackMessage(chatSummary(e, defaults));
  const wire = JSON.stringify(m);
  expect(wire).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
  expect((m.blocks[0] as Block).text!.text).toBe(`${'y'.repeat(148)}…`);
  expect((m.blocks[1] as Block).text!.text).toBe(`${'x'.repeat(2998)}…`);
});

test('all block texts together stay under the length Slack refuses as msg_blocks_too_long; short fields stay whole', () => {
  // Slack refuses blocks whose texts are too long together (near 12,000 characters for section
  // blocks, undocumented: https://github.com/slackapi/bolt-js/issues/2509 and /2867), though each
  // text is within its own limit. Ten fields of 2000 would pass every per-text limit and still be refused.
  const e = finding((info) => { info.desc = 'd'.repeat(5000); });
  const fields: Record<string, string> = { Severity: '{{ data.severity }}', [`L${'l'.repeat(2999)}`]: '{{ data.finding_info.desc }}' };
  for (let i = 1; i <= 8; i++) fields[`Detail ${i}`] = '{{ data.finding_info.desc }}';
  const m = slackMessage(chatSummary(e, { ...defaults, fields }));
  const all = texts(m.blocks);
  expect(all.reduce((n, t) => n + t.text.length, 0)).toBeLessThanOrEqual(10_000);
  for (const t of all) expect(t.text.length).toBeLessThanOrEqual(t.type === 'plain_text' ? 150 : 3000);
  const shown = (m.blocks as Block[]).find((b) => b.fields)!.fields!;
  expect(shown).toHaveLength(10);
  for (const f of shown) expect(f.text.length).toBeLessThanOrEqual(2000);
  expect(shown[0]!.text).toBe('*Severity*\nHigh');
  expect(shown[1]!.text).toMatch(/^\*Ll{98}…\*\nd+…$/);
  for (const f of shown.slice(2)) expect(f.text).toMatch(/^\*Detail \d\*\nd{300,}…$/);
  expect(JSON.stringify(m)).toContain('View details');
});
