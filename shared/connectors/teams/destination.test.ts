import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import { findingEvent } from '../slack/events.testkit';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { teamsDestinationSchema } from './config';
import { teamsDestination } from './destination';

/** The destination as the router uses it: configuration in, one card per event. */
let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => ({ vendor, h } = kit));

test('configuration: a webhook URL is required; templates are checked; defaults filled in', () => {
  expect(teamsDestinationSchema.parse({ type: 'teams', webhookUrl: 'https://x.webhook.office.com/webhookb2/a' })).toMatchObject({ title: expect.any(String), link: expect.any(String), fields: expect.any(Object) });
  expect(teamsDestinationSchema.safeParse({ type: 'teams' }).success).toBe(false);
  expect(teamsDestinationSchema.safeParse({ type: 'teams', webhookUrl: 'x', text: '{{ a b }}' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['text']);
});

test('each event is one card, built once per destination; the title template is overridable', async () => {
  vendor.on('POST /webhookb2/:id/IncomingWebhook/:key/:guid', { status: 200, body: '1' });
  const deps = { ...testDeps().deps, http: h.http, clock: h.clock, logger: h.logger };
  const config = teamsDestinationSchema.parse({ type: 'teams', webhookUrl: `${vendor.url}/webhookb2/g1@t1/IncomingWebhook/k1/V2secretSecretSecret`, title: '[{{ data.severity }}] {{ data.finding_info.title }}' });
  const deliver = teamsDestination('teams-sec', config);
  await deliver(findingEvent('created'), deps);
  await deliver(findingEvent('fixed'), deps);
  const titles = vendor.requests.map((r) => (r.json() as { attachments: { content: { body: { text: string }[] } }[] }).attachments[0]!.content.body[0]!.text);
  expect(titles).toEqual(['\\[High\\] Query built from user-controlled sources', expect.stringMatching(/^\\\[\w+\\\] /)]);
  expect(JSON.stringify(h.logs)).not.toContain('V2secretSecretSecret');
});
