import { pages, reply, type VendorServer } from '../../../test/support/vendor-server';
import { bearerAuth } from '../auth/static';
import { eachTestVendor, type Harness } from '../transport.testkit';
import type { Transport } from '../types';
import { type DeltaPage, deltaPages } from './delta';

/** Graph delta query shapes: https://learn.microsoft.com/graph/delta-query-users */
let vendor: VendorServer;
let h: Harness;
let t: Transport;
const users = Array.from({ length: 5 }, (_, i) => ({ id: `u${i}`, accountEnabled: true }));

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  t = h.transport({ baseUrl: `${vendor.url}/v1.0`, auth: bearerAuth({ token: 'graph-token-1' }) });
  vendor.on('GET /v1.0/users/delta', pages.delta(users, { pageSize: 2, deltaToken: 'round-1' }));
});

async function drain(it: AsyncGenerator<DeltaPage<unknown>, string | undefined>) {
  const seen: DeltaPage<unknown>[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return { seen, returned: r.value };
    seen.push(r.value);
  }
}

test('follows nextLink to the deltaLink, which is returned and set on the last page', async () => {
  const { seen, returned } = await drain(deltaPages(t, { request: { path: '/users/delta', query: { $select: 'id,accountEnabled' } } }));
  expect(seen.flatMap((p) => p.items)).toEqual(users);
  const deltaLink = `${vendor.url}/v1.0/users/delta?$deltatoken=round-1`;
  expect(returned).toBe(deltaLink);
  expect(seen.map((p) => [p.next, p.deltaLink])).toEqual([
    [`${vendor.url}/v1.0/users/delta?$skiptoken=2`, undefined],
    [`${vendor.url}/v1.0/users/delta?$skiptoken=4`, undefined],
    [undefined, deltaLink],
  ]);
  expect(vendor.requests[0]!.url.search).toBe('?%24select=id%2CaccountEnabled');
});

test('the next round starts from the stored deltaLink; a broken round resumes from a stored nextLink', async () => {
  const next = await drain(deltaPages(t, { request: { path: '/users/delta' }, resumeFrom: `${vendor.url}/v1.0/users/delta?$deltatoken=round-1` }));
  expect(next.seen.flatMap((p) => p.items)).toEqual([]);
  expect(next.returned).toBe(`${vendor.url}/v1.0/users/delta?$deltatoken=round-1`);

  const resumed = await drain(deltaPages(t, { request: { path: '/users/delta' }, resumeFrom: `${vendor.url}/v1.0/users/delta?$skiptoken=4` }));
  expect(resumed.seen.flatMap((p) => p.items)).toEqual(users.slice(4));
});

test('an expired delta token (410 Gone) becomes connector_sync_reset', async () => {
  vendor.on('GET /v1.0/users/delta', { status: 410, json: { error: { code: 'syncStateNotFound', message: 'The sync state is no longer valid' } } });
  await expect(drain(deltaPages(t, { request: { path: '/users/delta' }, resumeFrom: `${vendor.url}/v1.0/users/delta?$deltatoken=old` })))
    .rejects.toMatchObject({ code: 'connector_sync_reset', retryable: false, message: expect.stringContaining('run a full synchronisation') });
});

test('an expired directory delta link (400 syncStateNotFound, as Graph answers for users) becomes connector_sync_reset; another 400 stays a rejection', async () => {
  const expired = { error: { code: 'syncStateNotFound', message: 'The sync state generation is not found. The delta token is expired and data must be synchronized again.' } };
  vendor.queue('GET /v1.0/users/delta', { status: 400, json: expired }, { status: 400, json: { error: { code: 'Request_BadRequest', message: "Invalid object identifier 'x'." } } });
  const resumeFrom = `${vendor.url}/v1.0/users/delta?$deltatoken=old`;
  await expect(drain(deltaPages(t, { request: { path: '/users/delta' }, resumeFrom }))).rejects.toMatchObject({ code: 'connector_sync_reset', retryable: false });
  await expect(drain(deltaPages(t, { request: { path: '/users/delta' }, resumeFrom }))).rejects.toMatchObject({ code: 'connector_rejected' });
});

test('links to another origin are refused, stored or served', async () => {
  await expect(drain(deltaPages(t, { request: { path: '/users/delta' }, resumeFrom: 'https://graph.evil.example/v1.0/users/delta?$deltatoken=x' })))
    .rejects.toMatchObject({ code: 'connector_link_refused' });
  vendor.on('GET /v1.0/users/delta', reply.json({ value: [], '@odata.nextLink': 'https://graph.evil.example/v1.0/users/delta?$skiptoken=1' }));
  await expect(drain(deltaPages(t, { request: { path: '/users/delta' } }))).rejects.toMatchObject({ code: 'connector_link_refused' });
  expect(vendor.requests).toHaveLength(1);
});

test('a nextLink already followed ends the round without a deltaLink instead of reading the same page for ever', async () => {
  vendor.on('GET /v1.0/groups/delta', (req) => {
    const next = new URL(req.url);
    next.searchParams.set('$skiptoken', 'stuck');
    return reply.json({ value: [{ id: req.query.get('$skiptoken') ?? 'first' }], '@odata.nextLink': next.href });
  });
  const { seen, returned } = await drain(deltaPages(t, { request: { path: '/groups/delta' } }));
  expect(seen.flatMap((p) => p.items)).toEqual([{ id: 'first' }, { id: 'stuck' }]);
  expect(seen.at(-1)!.next).toBeUndefined();
  expect(returned).toBeUndefined();
  expect(vendor.requestsTo('GET /v1.0/groups/delta')).toHaveLength(2);
});
