import { reply, startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { eachRestTest, userEvent } from '../rest/rest.testkit';
import type { Harness } from '../transport.testkit';
import { graphqlDestinationSchema } from './config';
import { graphqlDestination } from './destination';

/**
 * A `graphql` destination, like a `rest` one, does not follow redirects. Followed as fetch does
 * (https://fetch.spec.whatwg.org/#http-redirect-fetch), a 307/308 sends the operation and its
 * variables (event data) again to whatever host the Location names, whose `{"data": ...}` would
 * count as the delivery; a 301/302/303 turns the POST into a GET whose JSON would too.
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

const MUTATION = 'mutation Flag($id: ID!) { flagUser(id: $id) { id } }';
const destination = (auth: object = { type: 'bearer', token: 'ghp_0123456789abcdefghij' }) =>
  graphqlDestination('gql', graphqlDestinationSchema.parse({ type: 'graphql', endpoint: `${vendor.url}/graphql`, query: MUTATION, variables: { id: '{{ data.user.id }}' }, auth }), { sleep: h.sleep, random: () => 0.5 });
const redirect = (status: number, location: string) => ({ status, headers: { location } });

test.each([307, 308])('a %i to another host does not carry the event there', async (status) => {
  vendor.on('POST /graphql', redirect(status, `${elsewhere.url}/collect`));
  elsewhere.on('POST /collect', reply.json({ data: { flagUser: { id: '00u42' } } }));
  const e = await destination()(userEvent(), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: status, path: '/graphql' } });
  expect((e as Error).message).toContain('redirects are not followed');
  expect(elsewhere.requests).toHaveLength(0);
});

test('a 303 answering the POST is a failure, not a GET whose JSON passes for the operation', async () => {
  vendor.on('POST /graphql', redirect(303, '/graphql/result'));
  vendor.on('GET /graphql/result', reply.json({ data: { flagUser: null } }));
  await expect(destination()(userEvent(), deps)).rejects.toMatchObject({ code: 'connector_rejected', extra: { vendorStatus: 303 } });
  expect(vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /graphql']);
});
