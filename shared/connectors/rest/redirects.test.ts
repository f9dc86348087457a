import { reply, startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import type { Harness } from '../transport.testkit';
import { restDestinationSchema } from './config';
import { restDestination } from './destination';
import { eachRestTest, userEvent } from './rest.testkit';

/**
 * A `rest` destination does not follow redirects: the 3xx is the answer. Followed as fetch does
 * (https://fetch.spec.whatwg.org/#http-redirect-fetch), a 301/302/303 turns the POST into a GET
 * without its body, whose 2xx would count as the delivery; a 307/308 resends the event to
 * whatever host the Location names; and a 3xx listed in expectStatus could never be seen.
 */
let vendor: VendorServer;
let elsewhere: VendorServer;
let h: Harness;
let deps: Deps;

eachRestTest(async (kit) => {
  ({ vendor, h, deps } = kit);
  elsewhere = await startVendorServer();
});
afterEach(async () => elsewhere.close());

const destination = (extra: object = {}) =>
  restDestination('cases', restDestinationSchema.parse({ type: 'rest', baseUrl: `${vendor.url}/api`, path: '/cases', body: { id: '{{ data.user.id }}' }, ...extra }), { sleep: h.sleep, random: () => 0.5 });
const redirect = (status: number, location: string) => ({ status, headers: { location } });

test('a 302 answering a POST is a failure, not a GET of the Location whose 200 would pass for the delivery', async () => {
  vendor.on('POST /api/cases', redirect(302, '/login'));
  vendor.on('GET /login', reply.json({ page: 'login' }));
  const e = await destination()(userEvent(), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: 302, path: '/api/cases' } });
  expect((e as Error).message).toContain('redirects are not followed');
  expect(vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/cases']);
});

test('a 307 to another host does not carry the event there', async () => {
  vendor.on('POST /api/cases', redirect(307, `${elsewhere.url}/collect`));
  elsewhere.on('POST /collect', reply.json({}, 201));
  await expect(destination()(userEvent(), deps)).rejects.toMatchObject({ code: 'connector_rejected', extra: { vendorStatus: 307 } });
  expect(elsewhere.requests).toHaveLength(0);
});

test('a 3xx listed in expectStatus is the answer that completes the delivery', async () => {
  vendor.on('POST /api/cases', redirect(303, '/api/cases/42'));
  vendor.on('GET /api/cases/42', reply.json({}, 500));
  await destination({ expectStatus: [201, 303] })(userEvent(), deps);
  expect(vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/cases']);
  expect(h.logs.find((l) => l.msg === 'rest request sent')?.fields).toMatchObject({ status: 303 });
});
