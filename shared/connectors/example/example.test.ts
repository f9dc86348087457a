import { pages, reply, type VendorServer } from '../../../test/support/vendor-server';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { createWidget } from './create-widget';
import { getWidget } from './get-widget';
import { listWidgets } from './list-widgets';
import { exampleTransport } from './transport';

let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => ({ vendor, h } = kit));

const t = () => exampleTransport('widgets', { baseUrl: vendor.url, token: 'wt-123456' }, h, { sleep: h.sleep, random: () => 0 });

test('operations over one transport: get (a miss is undefined), create, list across pages, check', async () => {
  vendor.on('GET /widgets/:id', (req) => (req.params.id === 'w 1' ? reply.json({ id: 'w 1', name: 'one' }) : reply.notFound()));
  vendor.on('POST /widgets', (req) => reply.json({ id: 'w2', ...(req.json() as object) }, 201));
  const widgets = Array.from({ length: 5 }, (_, i) => ({ id: `w${i}`, name: `n${i}` }));
  vendor.on('GET /widgets', pages.cursor(widgets, { pageSize: 2, itemsKey: 'widgets' }));
  vendor.on('GET /me', reply.json({ id: 'me' }));

  const tr = t();
  expect(await getWidget(tr, 'w 1')).toEqual({ id: 'w 1', name: 'one' });
  expect(vendor.requests[0]!.url.pathname).toBe('/widgets/w%201');
  expect(await getWidget(tr, 'nope')).toBeUndefined();
  expect(await createWidget(tr, 'two')).toEqual({ id: 'w2', name: 'two' });
  const seen = [];
  for await (const page of listWidgets(tr, { pageSize: 2 })) seen.push(...page.items);
  expect(seen).toEqual(widgets);
  expect(await tr.check()).toEqual({ ok: true, latencyMs: 0 });
});

test('a create that meets a 5xx is not repeated; a get is', async () => {
  vendor.queue('POST /widgets', reply.serverError(503));
  await expect(createWidget(t(), 'x')).rejects.toMatchObject({ code: 'connector_unavailable', extra: { connector: 'widgets' } });
  expect(vendor.requestsTo('POST /widgets')).toHaveLength(1);
  vendor.queue('GET /widgets/:id', reply.serverError(503));
  vendor.on('GET /widgets/:id', reply.json({ id: 'a', name: 'a' }));
  expect(await getWidget(t(), 'a')).toEqual({ id: 'a', name: 'a' });
  expect(vendor.requestsTo('GET /widgets/:id')).toHaveLength(2);
});
