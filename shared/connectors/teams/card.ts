import type { ChatSummary } from '../slack/summary';
import { clip } from '../../events/text-cut';
import { fitBytes, jsonBytes } from './fit';

/**
 * The message an incoming webhook takes: `type: message` with one Adaptive Card attachment
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook),
 * card schema 1.4 (https://adaptivecards.io/explorer/), which Teams renders on desktop, web and
 * mobile. Title, text, a FactSet, and an Action.OpenUrl for the link.
 *
 * TextBlock text and Fact values are Markdown in Teams, so event content is escaped with
 * backslashes (CommonMark escapes): a finding title cannot write `[a trusted label](https://evil)`.
 * HTML is shown as text by Teams, and a mention needs an `msteams.entities` entry this never adds.
 */
export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
/** Characters shown at most, then bytes of JSON (fit.ts): the card stays under 20 KB of Teams' 28. */
const TEXT_MAX = 3000;
const FACT_MAX = 500;
const FACTS_MAX = 10;
const TITLE_BYTES = 1500;
const TEXT_BYTES = 8000;
const FACT_TITLE_BYTES = 100;
const FACT_BYTES = 600;
/** A URL cannot be cut; a longer one is left out. */
const LINK_BYTES = 2000;

export const escapeMarkdown = (text: string): string => text.replace(/[\\`*_~[\]]/g, (c) => `\\${c}`);

/** A Map: the severity is event data, and a word naming an Object member (`__proto__`) must find nothing. */
const SEVERITY_COLOR: ReadonlyMap<string, string> = new Map([['critical', 'Attention'], ['fatal', 'Attention'], ['high', 'Attention'], ['medium', 'Warning'], ['moderate', 'Warning']]);

export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD; contentUrl: null; content: Record<string, unknown> }[];
}

export function teamsMessage(s: ChatSummary): TeamsMessage {
  const severity = s.fields.find((f) => f.label.toLowerCase() === 'severity')?.value.toLowerCase();
  const color = severity ? SEVERITY_COLOR.get(severity) : undefined;
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: fitBytes(clip(s.title, TEXT_MAX), TITLE_BYTES, escapeMarkdown), size: 'Large', weight: 'Bolder', wrap: true, ...(color ? { color } : {}) },
  ];
  if (s.text) body.push({ type: 'TextBlock', text: fitBytes(clip(s.text, TEXT_MAX), TEXT_BYTES, escapeMarkdown), wrap: true });
  if (s.fields.length > 0) {
    body.push({
      type: 'FactSet',
      facts: s.fields.slice(0, FACTS_MAX).map((f) => ({ title: fitBytes(f.label, FACT_TITLE_BYTES, escapeMarkdown), value: fitBytes(clip(f.value, FACT_MAX), FACT_BYTES, escapeMarkdown) })),
    });
  }
  const content: Record<string, unknown> = { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body };
  if (s.link && jsonBytes(s.link) <= LINK_BYTES) content.actions = [{ type: 'Action.OpenUrl', title: 'View details', url: s.link }];
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD, contentUrl: null, content }] };
}
