import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { surface } from '../slack/events.testkit';
import type { Harness } from '../transport.testkit';
import { restDestinationSchema } from './config';
import { restDestination } from './destination';
import { eachRestTest, userEvent } from './rest.testkit';

/**
 * A `rest` destination pointed at an endpoint whose URL is the credential: a webhook token in the
 * base path (Zapier, Discord, a Slack hook posted to as plain REST), or a key in a query parameter
 * that the vendor echoes back. Neither may reach an error (logged, dead-lettered) or a log line.
 */
let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachRestTest((kit) => ({ vendor, h, deps } = kit));

const HOOK = 'Zx8kLm2Qp9Rt4Vw7Yb3Nc6Hd';
const KEY = 'qk_9d8c7b6a5f4e3d2c1b0a';
const destination = (extra: object) =>
  restDestination('hook', restDestinationSchema.parse({ type: 'rest', ...extra }), { sleep: h.sleep, random: () => 0.5 });

test('a webhook token in the base path shows as [redacted] in errors and retry log lines', async () => {
  vendor.on(`PUT /hooks/${HOOK}/alerts`, reply.serverError(503, { message: 'down' }));
  vendor.on(`POST /hooks/${HOOK}/alerts`, reply.notFound({ message: 'no such hook' }));
  vendor.on(`PATCH /hooks/${HOOK}/alerts`, reply.json({}, 200));
  const config = { baseUrl: `${vendor.url}/hooks/${HOOK}`, path: '/alerts' };
  const errors = [
    await destination({ ...config, method: 'PUT' })(userEvent(), deps).catch((e: unknown) => e),
    await destination(config)(userEvent(), deps).catch((e: unknown) => e),
    await destination({ ...config, method: 'PATCH', expectStatus: [201] })(userEvent(), deps).catch((e: unknown) => e),
  ];
  expect(errors.map((e) => (e as { code: string }).code)).toEqual(['connector_unavailable', 'connector_not_found', 'connector_bad_response']);
  expect(errors.map((e) => (e as { extra: { path: string } }).extra.path)).toEqual(['/hooks/[redacted]/alerts', '/hooks/[redacted]/alerts', '/hooks/[redacted]/alerts']);
  expect((errors[1] as Error).message).toContain('POST /hooks/[redacted]/alerts was not found');
  expect(h.logs.some((l) => l.msg === 'connector retry')).toBe(true);
  expect(surface(errors) + JSON.stringify(h.logs)).not.toContain(HOOK);
});

test('a key in a query parameter, echoed back in the vendor body, stays out of the error', async () => {
  vendor.on('POST /api/alerts', (req) => ({ status: 400, json: { message: `invalid request ${req.url.href}` } }));
  const e = await destination({ baseUrl: `${vendor.url}/api`, path: '/alerts', query: { api_key: KEY } })(userEvent(), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected' });
  expect((e as Error).message).toContain('/api/alerts?api_key=[redacted]');
  expect(vendor.requests[0]!.url.searchParams.get('api_key')).toBe(KEY);
  expect(surface(e) + JSON.stringify(h.logs)).not.toContain(KEY);
});
