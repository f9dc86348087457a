import { FIXTURES } from '../../../test/fixtures';
import { loadSpec } from '../../../test/support/openapi';
import { reply, type VendorRequest, type VendorServer } from '../../../test/support/vendor-server';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { authTest } from './auth-test';
import { findingEvent, surface } from './events.testkit';
import { slackMessage } from './message';
import { postMessage } from './post-message';
import { chatSummary } from './summary';
import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from './config';
import { slackApiTransport } from './transport';

/**
 * chat.postMessage against a local Web API, each request and answer checked against Slack's
 * own description (../shared/fixtures/openapi/slack-web-openapi-v2.json).
 */
const spec = loadSpec(`${FIXTURES}/openapi/slack-web-openapi-v2.json`);
const TOKEN = 'xoxb-1111111111-2222222222-abcdefghijklmnop';
const OK = { ok: true, channel: 'C0123ABCDE', ts: '1503435956.000247', message: { type: 'message', text: 'Query built from user-controlled sources', ts: '1503435956.000247', bot_id: 'B0123ABCDE', subtype: 'bot_message' } };
let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => ({ vendor, h } = kit));

const t = () => slackApiTransport('slack-sec', { baseUrl: `${vendor.url}/api`, token: TOKEN }, h, { sleep: h.sleep, random: () => 0 });
const message = slackMessage(chatSummary(findingEvent('created'), { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS }));
const post = () => postMessage(t(), 'C0123ABCDE', message, () => h.clock.now());

/**
 * The description declares the token as a header named `token`; Slack takes it as
 * `Authorization: Bearer` (https://api.slack.com/web#authentication), which is what we send.
 */
const problems = (req: VendorRequest) =>
  spec.requestProblems({ method: req.method, url: req.url.href, headers: req.headers as Record<string, string>, body: req.json() })
    .filter((p) => !/: missing required header token$/.test(p));
/**
 * The description puts `ok: false` answers under its `default` response, although Slack sends
 * them with HTTP 200; a status it does not list selects that response.
 */
const errorProblems = (body: unknown) => spec.responseProblems({ method: 'POST', url: 'https://slack.com/api/chat.postMessage' }, 599, body);

test('the request is the documented form post with a bearer token; the answer parses and matches the description', async () => {
  vendor.on('POST /api/chat.postMessage', reply.json(OK));
  expect(await post()).toEqual({ channel: 'C0123ABCDE', ts: '1503435956.000247' });
  const [req] = vendor.requests;
  expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(req!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  expect(req!.json()).toEqual({ channel: 'C0123ABCDE', text: message.text, blocks: JSON.stringify(message.blocks), unfurl_links: 'false', unfurl_media: 'false' });
  expect(problems(req!)).toEqual([]);
  expect(spec.responseProblems({ method: 'POST', url: req!.url.href }, 200, OK)).toEqual([]);
});

test.each([
  ['invalid_auth', 'connector_auth_failed', 'check the bot token of slack-sec'],
  ['not_authed', 'connector_auth_failed', 'check the bot token of slack-sec'],
  ['channel_not_found', 'connector_not_found', 'check the channel of slack-sec'],
  ['is_archived', 'connector_rejected', 'Slack rejected the message (is_archived)'],
])('ok:false %s (a documented error answer) is %s', async (error, code, fix) => {
  const body = { ok: false, error };
  expect(errorProblems(body)).toEqual([]);
  vendor.on('POST /api/chat.postMessage', reply.json(body, 200, { 'x-slack-req-id': 'req-42' }));
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code, retryable: false, extra: { connector: 'slack-sec', vendorStatus: 200, vendorMessage: error, requestId: 'req-42', path: '/api/chat.postMessage' } });
  expect((e as Error).message).toContain(fix);
  expect(vendor.requests).toHaveLength(1);
});

test('missing_scope names the scope to add', async () => {
  vendor.on('POST /api/chat.postMessage', reply.json({ ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'channels:read' }));
  await expect(post()).rejects.toMatchObject({
    code: 'connector_forbidden', message: expect.stringContaining('lacks the scope chat:write'), extra: { neededScope: 'chat:write' },
  });
});

test('HTTP 429 with Retry-After is waited out and the post sent again; ok:false ratelimited carries the wait', async () => {
  vendor.queue('POST /api/chat.postMessage', reply.tooManyRequests('3', {}, { ok: false, error: 'ratelimited' }));
  vendor.on('POST /api/chat.postMessage', reply.json(OK));
  expect(await post()).toMatchObject({ ts: OK.ts });
  expect(h.waits).toEqual([3000]);
  expect(vendor.requests).toHaveLength(2);

  vendor.queue('POST /api/chat.postMessage', reply.json({ ok: false, error: 'ratelimited' }, 200, { 'retry-after': '7' }));
  await expect(post()).rejects.toMatchObject({ code: 'connector_rate_limited', retryable: true, retryAfterMs: 7000, headers: { 'retry-after': '7' } });
});

test('401 and 5xx: typed, and a post is not repeated after a 5xx (it may have gone through)', async () => {
  vendor.queue('POST /api/chat.postMessage', reply.unauthorized({ ok: false, error: 'invalid_auth' }), reply.serverError(503));
  await expect(post()).rejects.toMatchObject({ code: 'connector_auth_failed' });
  await expect(post()).rejects.toMatchObject({ code: 'connector_unavailable', retryable: true });
  expect(vendor.requests).toHaveLength(2);
});

test('the token appears in no log line and no error, even when the answer echoes it', async () => {
  vendor.queue('POST /api/chat.postMessage', reply.tooManyRequests('1'), reply.json({ ok: false, error: 'invalid_auth', warning: TOKEN }, 400));
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected' });
  expect(surface(e)).not.toContain(TOKEN);
  expect(JSON.stringify(h.logs)).not.toContain(TOKEN);
  expect(h.logs.length).toBeGreaterThan(0);
});

test('auth.test as the readiness check reads ok:false', async () => {
  const me = { ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'secorch', team_id: 'T0123ABCD', user_id: 'U0123ABCD' };
  vendor.queue('GET /api/auth.test', reply.json(me), reply.json({ ok: false, error: 'invalid_auth' }));
  expect(await authTest(t(), () => h.clock.now())).toEqual({ ok: true, latencyMs: 0 });
  expect(await authTest(t(), () => h.clock.now())).toMatchObject({ ok: false, error: { code: 'connector_auth_failed' } });
  const [req] = vendor.requestsTo('GET /api/auth.test');
  expect(problems(req!)).toEqual([]);
  expect(spec.responseProblems({ method: 'GET', url: req!.url.href }, 200, me)).toEqual([]);
});

test.each([
  ['an HTML page (a proxy or a baseUrl without /api)', { status: 200, body: '<html><body>Sign in</body></html>', headers: { 'content-type': 'text/html' } }],
  ['JSON without ok', reply.json({ channel: 'C0123ABCDE' })],
])('a 200 that is not Slack\'s {"ok": true} is not taken for a posted message: %s', async (_name, answer) => {
  // "The response contains a JSON object, which will always contain a top-level boolean property ok" (https://api.slack.com/web#evaluating_responses).
  vendor.on('POST /api/chat.postMessage', answer);
  await expect(post()).rejects.toMatchObject({ code: 'connector_bad_response', retryable: false, extra: { vendorStatus: 200, path: '/api/chat.postMessage' } });
  vendor.on('GET /api/auth.test', answer);
  expect(await authTest(t(), () => h.clock.now())).toMatchObject({ ok: false, error: { code: 'connector_bad_response' } });
});
