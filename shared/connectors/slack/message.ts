import { clip, head } from '../../events/text-cut';
import type { ChatSummary } from './summary';

/**
 * A Block Kit message (https://api.slack.com/reference/block-kit/blocks) for a summary: a header
 * with the title, the text, the fields, a link; `text` is the fallback shown in notifications
 * (https://api.slack.com/methods/chat.postMessage#text_usage).
 *
 * Event content is escaped for mrkdwn: `&`, `<` and `>` become entities
 * (https://api.slack.com/reference/surfaces/formatting#escaping), so a finding title cannot
 * write `<!channel>`, `<@U123>` or `<https://evil|a trusted label>`. Every mrkdwn text object is
 * `verbatim`: by default Slack rewrites plain text before showing it (links channel names, parses
 * "certain mentions", https://docs.slack.dev/reference/block-kit/composition-objects/text-object), and
 * event text must reach the channel as written. The header is plain_text, which Slack does not
 * parse for mentions or links.
 *
 * Slack refuses the whole message when one text is over its limit, so each is cut to fit, and
 * the link, which cannot be cut, is left out when it is too long to fit. It also refuses blocks
 * whose texts are too long together (`msg_blocks_too_long`, near 12,000 characters, a limit Slack
 * does not document for section blocks: https://github.com/slackapi/bolt-js/issues/2509 and
 * /2867), which ten fields of 2000 each would pass: the fields share what the header, the text
 * and the link leave of BLOCKS_TEXT_MAX, a short field leaving its share to the longer ones.
 */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** Block Kit limits: header text 150, section text 3000, field text 2000, 10 fields. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
/** chat.postMessage truncates text over 40,000 characters; keep the fallback short. */
const FALLBACK_MAX = 3000;
/**
 * All block texts together, kept well under Slack's observed ~12,000 to leave room for what it
 * also counts of the blocks around them. Header, text and link take at most 6150 of it, so ten
 * fields still get 385 characters each, more than a label (LABEL_MAX) takes.
 */
const BLOCKS_TEXT_MAX = 10_000;
/** A field label comes from configuration; cut so it always leaves room for the value. */
const LABEL_MAX = 100;

export const escapeMrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Escapes, then cuts to `max` without leaving half an entity. */
export function mrkdwn(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return `${head(escaped, max - 1).replace(/&[a-z]{0,3}$/, '')}…`;
}

const text = (t: string) => ({ type: 'mrkdwn', text: t, verbatim: true });

/** A link for mrkdwn: characters that would end `<url|label>` early are percent-encoded. */
const linkTarget = (url: string) => url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');

/**
 * Shares `budget` among texts that want `wants` characters: none gets more than it wants, and
 * what the short ones leave goes to the longer ones in equal parts.
 */
function share(wants: number[], budget: number): number[] {
  const out = wants.map(() => 0);
  let left = budget;
  wants.map((want, i) => ({ want, i })).sort((a, b) => a.want - b.want).forEach(({ want, i }, k, all) => {
    out[i] = Math.min(want, Math.floor(left / (all.length - k)));
    left -= out[i];
  });
  return out;
}

function fieldTexts(fields: ChatSummary['fields'], budget: number): Record<string, unknown>[] {
  const parts = fields.slice(0, FIELDS_MAX).map((f) => ({ label: `*${mrkdwn(f.label, LABEL_MAX)}*\n`, value: escapeMrkdwn(f.value) }));
  const sizes = share(parts.map((p) => Math.min(FIELD_MAX, p.label.length + p.value.length)), budget);
  return parts.map((p, i) => text(`${p.label}${mrkdwn(fields[i]!.value, sizes[i]! - p.label.length)}`));
}

export function slackMessage(s: ChatSummary): SlackMessage {
  const severity = s.fields.find((f) => f.label.toLowerCase() === 'severity')?.value;
  const title = clip(s.title, HEADER_MAX);
  const description = s.text ? mrkdwn(s.text, SECTION_MAX) : '';
  const target = s.link ? `<${linkTarget(s.link)}|View details>` : '';
  const link = target.length <= SECTION_MAX ? target : '';
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: false } }];
  if (description) blocks.push({ type: 'section', text: text(description) });
  if (s.fields.length > 0) {
    blocks.push({ type: 'section', fields: fieldTexts(s.fields, BLOCKS_TEXT_MAX - title.length - description.length - link.length) });
  }
  if (link) blocks.push({ type: 'section', text: text(link) });
  return { text: mrkdwn(severity ? `[${severity}] ${s.title}` : s.title, FALLBACK_MAX), blocks };
}
