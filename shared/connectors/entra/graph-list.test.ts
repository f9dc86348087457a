import { reply, type VendorServer } from '../../../test/support/vendor-server';
import { bearerAuth } from '../auth/static';
import { eachTestVendor, type Harness } from '../transport.testkit';
import type { Transport } from '../types';
import { graphList } from './graph-list';

/** Graph collection paging: https://learn.microsoft.com/graph/paging */
let vendor: VendorServer;
let h: Harness;
let t: Transport;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  t = h.transport({ baseUrl: `${vendor.url}/v1.0`, auth: bearerAuth({ token: 'graph-token-1' }) });
});

async function all<T>(it: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('follows @odata.nextLink until a page has none', async () => {
  vendor.on('GET /v1.0/roleManagement/directory/roleDefinitions', (req) => {
    const at = Number(req.query.get('$skiptoken') ?? 0);
    const next = new URL(req.url);
    next.searchParams.set('$skiptoken', String(at + 1));
    return reply.json({ value: [{ id: `r${at}` }], ...(at < 2 ? { '@odata.nextLink': next.href } : {}) });
  });
  const items = await all(graphList<{ id: string }>(t, { path: '/roleManagement/directory/roleDefinitions' }));
  expect(items.map((x) => x.id)).toEqual(['r0', 'r1', 'r2']);
});

test('a nextLink already followed ends the listing instead of reading the same pages again and again', async () => {
  // A service stuck on one page: every answer links to the page itself.
  vendor.on('GET /v1.0/roleManagement/directory/roleAssignments', (req) => {
    const at = req.query.get('$skiptoken');
    const next = new URL(req.url);
    next.searchParams.set('$skiptoken', 'stuck');
    return reply.json({ value: [{ id: at ?? 'first' }], '@odata.nextLink': next.href });
  });
  const items = await all(graphList<{ id: string }>(t, { path: '/roleManagement/directory/roleAssignments' }));
  expect(items.map((x) => x.id)).toEqual(['first', 'stuck']);
  expect(vendor.requestsTo('GET /v1.0/roleManagement/directory/roleAssignments')).toHaveLength(2);
});
