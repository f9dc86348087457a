import { reply, type VendorServer } from '../../../test/support/vendor-server';
import { DEFAULT_FIELDS, DEFAULT_LINK, DEFAULT_TEXT, DEFAULT_TITLE } from '../slack/config';
import { findingEvent, surface } from '../slack/events.testkit';
import { chatSummary } from '../slack/summary';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { teamsMessage } from './card';
import { postCard } from './post-card';
import { teamsTransport } from './transport';

/**
 * Against a local server answering as the two webhook kinds do. Workflows: `202` and no body;
 * errors as `{"error": {"code", "message"}}` (https://learn.microsoft.com/azure/logic-apps/logic-apps-http-endpoint).
 * Legacy connectors: `200` with `1`, throttling reported in a 200 body
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#rate-limiting-for-connectors).
 */
const SIG = 'Zk3xQ9pLw2mN8vB4cR7tY1uI6oP0aS5dF';
const PATH = '/workflows/0f1e2d3c4b5a69788796a5b4c3d2e1f0/triggers/manual/paths/invoke';
const ROUTE = `POST ${PATH}`;
let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => ({ vendor, h } = kit));

const url = () => `${vendor.url}${PATH}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;
const message = teamsMessage(chatSummary(findingEvent('created'), { title: DEFAULT_TITLE, text: DEFAULT_TEXT, link: DEFAULT_LINK, fields: DEFAULT_FIELDS }));
const post = () => postCard(teamsTransport('teams-sec', url(), h, { sleep: h.sleep, random: () => 0 }), message);
const leaks = (text: string) => [SIG, PATH].filter((s) => text.includes(s));

test('Workflows: the card is posted as JSON to the full webhook URL and 202 is success', async () => {
  vendor.on(ROUTE, { status: 202 });
  await post();
  const [req] = vendor.requests;
  expect(req!.query.get('sig')).toBe(SIG);
  expect(req!.headers['content-type']).toBe('application/json');
  expect(req!.json()).toEqual(message);
});

test('legacy connector: 200 "1" is success; a 429 reported in a 200 body is a retryable rate limit; other text is a rejection', async () => {
  vendor.queue(ROUTE,
    { status: 200, body: '1' },
    { status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef' },
    { status: 200, body: `Summary or Text is required. (${url()})` });
  await post();
  await expect(post()).rejects.toMatchObject({ code: 'connector_rate_limited', retryable: true, extra: { vendorStatus: 200 } });
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, message: expect.stringContaining('Teams did not deliver the card: Summary or Text is required.') });
  expect(leaks(surface(e))).toEqual([]);
});

test.each([
  ['a 5xx of Teams', 'connector_unavailable', true, 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 502 with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef'],
  ['Teams not reached', 'connector_unavailable', true, 'Webhook message delivery failed with error: Error contacting Microsoft Teams endpoint'],
  ['a 400 of Teams (the card itself)', 'connector_rejected', false, 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400 with ContextId tcid=385194272617051900,server=BL2PEPF000001C8,cv=wUmM9kBhpkiOZnT3ZEwhdg.0..'],
])('legacy connector: %s reported in a 200 body is %s (retryable: %s)', async (_name, code, retryable, body) => {
  // Connectors wrap Teams' own status in a 200 (https://github.com/MicrosoftDocs/msteams-docs/issues/1810, /4145):
  // a failure on Microsoft's side must stay retryable, or the card is dropped.
  vendor.on(ROUTE, { status: 200, body });
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code, retryable, extra: { vendorStatus: 200, vendorMessage: body } });
  expect(vendor.requests).toHaveLength(1);
});

test('429 with Retry-After is waited out and the card sent again', async () => {
  vendor.queue(ROUTE, reply.tooManyRequests('4'), { status: 202 });
  await post();
  expect(h.waits).toEqual([4000]);
  expect(vendor.requests).toHaveLength(2);
});

test.each([
  [401, 'DirectApiAuthorizationRequired', 'connector_auth_failed'],
  [404, 'WorkflowNotFound', 'connector_not_found'],
])('HTTP %i %s is %s and says to copy the URL again', async (status, code, typed) => {
  vendor.on(ROUTE, reply.json({ error: { code, message: `The request to ${url()} could not be authorized.` } }, status));
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code: typed, extra: { vendorStatus: status, path: '/webhook', vendorMessage: expect.stringContaining(code) } });
  expect((e as Error).message).toContain('copy the URL again');
  expect(leaks(surface(e))).toEqual([]);
});

test('400 is a rejection quoting the vendor; a 5xx is not repeated; no log line holds the URL', async () => {
  vendor.queue(ROUTE, reply.json({ error: { code: 'InvalidRequestContent', message: 'The input body for trigger manual of type Request did not match its schema definition.' } }, 400), reply.serverError(502), reply.tooManyRequests('1'), { status: 202 });
  await expect(post()).rejects.toMatchObject({ code: 'connector_rejected', message: expect.stringContaining('InvalidRequestContent') });
  await expect(post()).rejects.toMatchObject({ code: 'connector_unavailable', retryable: true });
  await post();
  expect(vendor.requests).toHaveLength(4);
  expect(h.logs.length).toBeGreaterThan(0);
  expect(leaks(JSON.stringify(h.logs))).toEqual([]);
});

test.each([302, 307, 308])('a webhook answering %i is a failure: the card is not sent on to the Location', async (status) => {
  vendor.on(ROUTE, { status, headers: { location: '/elsewhere' } });
  vendor.on('POST /elsewhere', { status: 202 });
  vendor.on('GET /elsewhere', { status: 200, body: '1' });
  const e = await post().catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: status, path: '/webhook' } });
  expect((e as Error).message).toContain('redirects are not followed');
  expect(vendor.requests.map((r) => r.path)).toEqual([PATH]);
  expect(leaks(surface(e))).toEqual([]);
});
