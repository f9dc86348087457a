import { reply, type VendorServer } from '../../../test/support/vendor-server';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from './config';
import { findingEvent, surface } from './events.testkit';
import { slackMessage } from './message';
import { postWebhook } from './post-webhook';
import { chatSummary } from './summary';
import { slackWebhookTransport } from './transport';

/**
 * Incoming webhooks (https://api.slack.com/messaging/webhooks): JSON in, `ok` out; refusals are
 * plain-text codes with a 4xx status (https://api.slack.com/messaging/webhooks#handling_errors).
 * The URL is the credential: it must not show in errors or logs.
 */
const HOOK_PATH = '/services/T0123ABCD/B0456EFGH/abcdEFGHijklMNOPqrstUVWX';
const ROUTE = 'POST /services/:team/:bot/:secret';
let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => ({ vendor, h } = kit));

const message = slackMessage(chatSummary(findingEvent('created'), { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS }));
const post = () => postWebhook(slackWebhookTransport('slack-hook', `${vendor.url}${HOOK_PATH}`, h, { sleep: h.sleep, random: () => 0 }), message);
const leaks = (text: string) => [HOOK_PATH, 'abcdEFGHijklMNOPqrstUVWX'].filter((s) => text.includes(s));

test('posts {text, blocks} as JSON to the webhook URL itself, with no credential header', async () => {
  vendor.on(ROUTE, { status: 200, body: 'ok', headers: { 'content-type': 'text/html' } });
  await post();
  const [req] = vendor.requests;
  expect(req!.path).toBe(HOOK_PATH);
  expect(req!.headers['content-type']).toBe('application/json');
  expect(req!.headers.authorization).toBeUndefined();
  expect(req!.json()).toEqual({ text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
});

test.each([
  [404, 'no_service', 'connector_not_found', 'the webhook was removed or revoked; create a new one and update webhookUrl'],
  [410, 'channel_is_archived', 'connector_not_found', 'the webhook channel is archived; unarchive it or create a new webhook'],
  [403, 'action_prohibited', 'connector_forbidden', 'a workspace admin restricted posting to this channel'],
  [400, 'invalid_payload', 'connector_rejected', 'see https://api.slack.com/messaging/webhooks#handling_errors'],
])('HTTP %i %s is %s, with what to do', async (status, body, code, fix) => {
  vendor.on(ROUTE, { status, body });
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code, extra: { vendorStatus: status, vendorMessage: body, path: '/webhook' } });
  expect((e as Error).message).toBe(`slack-hook: the incoming webhook refused the message (HTTP ${status} ${body}); ${fix}`);
  expect(leaks(surface(e))).toEqual([]);
});

test('429 with Retry-After is waited out and sent again; a 500 is not repeated', async () => {
  vendor.queue(ROUTE, reply.tooManyRequests('2'), { status: 200, body: 'ok' });
  await post();
  expect(h.waits).toEqual([2000]);
  vendor.queue(ROUTE, { status: 500, body: 'rollup_error' });
  await expect(post()).rejects.toMatchObject({ code: 'connector_unavailable', retryable: true, message: expect.stringContaining('HTTP 500 rollup_error') });
  expect(vendor.requests).toHaveLength(3);
});

test('the webhook URL shows in no error or log line, even when the answer echoes it', async () => {
  vendor.queue(ROUTE, reply.tooManyRequests('1'), (req) => ({ status: 400, json: { error: `bad post to ${req.url.href}` } }));
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected' });
  expect(leaks(surface(e))).toEqual([]);
  expect(h.logs.length).toBeGreaterThan(0);
  expect(leaks(JSON.stringify(h.logs))).toEqual([]);
});

test('a malformed webhook URL is refused without quoting it', () => {
  expect(() => slackWebhookTransport('slack-hook', 'hooks.slack.com/services/T0/B0/secret-part-123', h)).toThrow(expect.objectContaining({
    code: 'connector_invalid_request', message: expect.not.stringContaining('secret-part-123'),
  }));
});
