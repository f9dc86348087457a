import { clip, head } from '../text-cut';
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
 * the link, which cannot be cut, is left out when it is too long to fit.
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

export function slackMessage(s: ChatSummary): SlackMessage {
  const severity = s.fields.find((f) => f.label.toLowerCase() === 'severity')?.value;
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: clip(s.title, HEADER_MAX), emoji: false } }];
  if (s.text) blocks.push({ type: 'section', text: text(mrkdwn(s.text, SECTION_MAX)) });
  if (s.fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: s.fields.slice(0, FIELDS_MAX).map((f) => {
        const label = `*${escapeMrkdwn(f.label)}*\n`;
        return text(`${label}${mrkdwn(f.value, FIELD_MAX - label.length)}`);
      }),
    });
  }
  const link = s.link ? `<${linkTarget(s.link)}|View details>` : '';
  if (link && link.length <= SECTION_MAX) blocks.push({ type: 'section', text: text(link) });
  return { text: mrkdwn(severity ? `[${severity}] ${s.title}` : s.title, FALLBACK_MAX), blocks };
}
