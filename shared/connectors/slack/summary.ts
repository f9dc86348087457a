import type { CloudEvent } from '../../events/cloudevent';
import { render, renderText } from '../template';
import type { ChatTemplates } from './config';

/**
 * What a chat message says about an event, before any vendor format: the templates of the
 * destination rendered against the event. Values are raw text here; each format escapes them
 * (Slack mrkdwn, Teams Markdown).
 */
export interface ChatSummary {
  title: string;
  text?: string;
  /** Only ever an http(s) URL. */
  link?: string;
  fields: { label: string; value: string }[];
}

const asText = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)).trim();

/** An http(s) URL or nothing: a `javascript:` or `slack://` link from event data is not followed. */
export function safeLink(v: unknown): string | undefined {
  const text = asText(v);
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
}

export function chatSummary(event: CloudEvent, t: ChatTemplates): ChatSummary {
  const text = asText(render(t.text, event));
  const fields = Object.entries(t.fields)
    .map(([label, tpl]) => ({ label, value: asText(render(tpl, event)) }))
    .filter((f) => f.value !== '');
  return { title: renderText(t.title, event, 'title'), ...(text ? { text } : {}), ...optionalLink(render(t.link, event)), fields };
}

const optionalLink = (v: unknown) => {
  const link = safeLink(v);
  return link ? { link } : {};
};
