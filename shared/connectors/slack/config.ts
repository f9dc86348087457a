import * as z from 'zod/mini';
import { templateProblems } from '../template';

/**
 * `type: slack` destination. Two ways in, one of them per destination:
 * - `token` + `channel`: a bot token (xoxb-) posting with chat.postMessage, scope `chat:write`
 *   (https://api.slack.com/methods/chat.postMessage);
 * - `webhookUrl`: an incoming webhook bound to one channel (https://api.slack.com/messaging/webhooks).
 * Both arrive resolved (`${VAR}` or `secret://name`); the webhook URL is itself the credential,
 * so it is neither validated as a URL here (builds check with placeholders) nor ever logged.
 */
const nonEmpty = z.string().check(z.minLength(1));
export const template = nonEmpty.check(z.refine((t) => templateProblems(t).length === 0, "has a {{ }} placeholder that is not a field path or 'quoted text'"));

export const DEFAULT_TITLE = '{{ data.finding_info.title || data.message || subject || type }}';
export const DEFAULT_TEXT = '{{ data.finding_info.desc }}';
export const DEFAULT_LINK = '{{ data.finding_info.src_url }}';
/** Label -> template; fields that render empty are left out. */
export const DEFAULT_FIELDS: Record<string, string> = {
  Severity: '{{ data.severity || data.severity_id }}',
  Status: '{{ data.status }}',
  Resource: '{{ data.resources.0.uid || data.resources.0.name }}',
  Finding: '{{ data.finding_info.uid || subject }}',
  Event: '{{ type }}',
};

/** Title, text, link and fields of a chat message: shared by the Slack and Teams destinations. */
export const chatTemplates = {
  title: z._default(template, DEFAULT_TITLE),
  /** Longer text under the title; nothing is shown when it renders empty. */
  text: z._default(template, DEFAULT_TEXT),
  /** An http(s) URL; anything else is dropped. */
  link: z._default(template, DEFAULT_LINK),
  fields: z._default(z.record(nonEmpty, template), DEFAULT_FIELDS),
};

export const slackDestinationSchema = z.strictObject({
  type: z.literal('slack'),
  token: z.optional(nonEmpty),
  /** Channel id (C0123ABCD) or name; required with token. */
  channel: z.optional(nonEmpty),
  webhookUrl: z.optional(nonEmpty),
  /** Web API root; tests point it at a local server. */
  baseUrl: z._default(z.url({ protocol: /^https?$/ }), 'https://slack.com/api'),
  ...chatTemplates,
}).check(
  z.refine((c) => (c.token === undefined) !== (c.webhookUrl === undefined), { message: 'give either token (with channel) or webhookUrl', path: ['token'] }),
  z.refine((c) => c.token === undefined || c.channel !== undefined, { message: 'channel is required with token', path: ['channel'] }),
);

export type SlackConfig = z.output<typeof slackDestinationSchema>;
export type ChatTemplates = Pick<SlackConfig, 'title' | 'text' | 'link' | 'fields'>;
