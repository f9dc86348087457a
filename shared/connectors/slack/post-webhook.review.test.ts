import { reply, type VendorServer } from '../../../test/support/vendor-server';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from './config';
import { findingEvent } from './events.testkit';
import { slackMessage } from './message';
import { postWebhook } from './post-webhook';
import { chatSummary } from './summary';
import { slackWebhookTransport } from './transport';

/**
 * What an incoming webhook answers (https://api.slack.com/messaging/webhooks): `200` with the
 * body `ok` when the message was posted, a 4xx with a plain-text code when it was not
 * (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).
 */
const HOOK_PATH = '/services/T0123ABCD/B0456EFGH/abcdEFGHijklMNOPqrstUVWX';
const ROUTE = 'POST /services/:team/:bot/:secret';
let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => ({ vendor, h } = kit));

const message = slackMessage(chatSummary(findingEvent('created'), { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS }));
const post = () => postWebhook(slackWebhookTransport('slack-hook', `${vendor.url}${HOOK_PATH}`, h, { sleep: h.sleep, random: () => 0 }), message);

test.each(['constructor', '__proto__', 'tostring'])('a refusal whose code names an Object member (%s) gets the generic fix, not an Object member as text', async (code) => {
  vendor.on(ROUTE, { status: 400, body: code });
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', extra: { vendorMessage: code } });
  expect((e as Error).message).toBe(`slack-hook: the incoming webhook refused the message (HTTP 400 ${code}); see https://api.slack.com/messaging/webhooks#handling_errors`);
});

test.each([
  ['an HTML sign-in page of a proxy', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in to continue</body></html>' }],
  ['an empty 200', { status: 200 }],
  ['JSON that is not Slack\'s', reply.json({ status: 'queued' })],
])('a 200 that is not the webhook\'s "ok" is not taken for a posted message: %s', async (_name, answer) => {
  vendor.on(ROUTE, answer);
  await expect(post()).rejects.toMatchObject({ code: 'connector_bad_response', retryable: false, extra: { vendorStatus: 200, path: '/webhook' } });
});

test('the webhook\'s own answers pass: "ok" as text/html (what Slack sends), and {"ok": true}', async () => {
  vendor.queue(ROUTE, { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' }, { status: 200, body: 'ok\n' }, reply.json({ ok: true }));
  await post();
  await post();
  await post();
  expect(vendor.requests).toHaveLength(3);
});

test.each([301, 302, 303, 307, 308])('a webhook answering %i is a failure: the redirect is not followed (the post is not sent on, a GET answered "ok" does not pass for it)', async (status) => {
  vendor.on(ROUTE, { status, headers: { location: '/elsewhere' } });
  vendor.on('POST /elsewhere', { status: 200, body: 'ok' });
  vendor.on('GET /elsewhere', { status: 200, body: 'ok' });
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: status, path: '/webhook' } });
  expect((e as Error).message).toContain('redirects are not followed');
  expect(vendor.requests.map((r) => r.path)).toEqual([HOOK_PATH]);
});

test('the post turns link and media unfurling off, as chat.postMessage does: Slack would fetch every URL in the event text to build previews', async () => {
  // https://api.slack.com/reference/messaging/link-unfurling#classic_unfurl: for messages posted
  // through webhooks Slack unfurls links to media, and fetches every URL to tell which are media,
  // unless both flags are false.
  vendor.on(ROUTE, { status: 200, body: 'ok' });
  await post();
  expect(vendor.requests[0]!.json()).toMatchObject({ unfurl_links: false, unfurl_media: false });
});
