import type { Transport } from '../types';
import { checkSlackAnswer } from './errors';
import type { SlackMessage } from './message';

/**
 * chat.postMessage (https://api.slack.com/methods/chat.postMessage), form-encoded as its API
 * description declares it, blocks as a JSON string. Link and media unfurling is off: event
 * content may carry URLs, and Slack would fetch them to build previews.
 *
 * A POST that is not repeated after a 5xx or a timeout (the message may have been posted);
 * a 429 is, after the Retry-After Slack sends (https://api.slack.com/docs/rate-limits).
 */
export interface PostedMessage {
  channel: string;
  ts: string;
}

export async function postMessage(t: Transport, channel: string, message: SlackMessage, now: () => number): Promise<PostedMessage> {
  const form = new URLSearchParams({
    channel,
    text: message.text,
    blocks: JSON.stringify(message.blocks),
    unfurl_links: 'false',
    unfurl_media: 'false',
  });
  const res = await t.request<unknown>({ method: 'POST', path: '/chat.postMessage', body: form });
  checkSlackAnswer(res.body, res.headers, { connector: t.name, method: 'POST', path: new URL(res.url).pathname }, now());
  const body = res.body as Partial<PostedMessage>;
  return { channel: String(body.channel ?? channel), ts: String(body.ts ?? '') };
}
