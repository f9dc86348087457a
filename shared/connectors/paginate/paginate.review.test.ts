import { pages, reply, type VendorServer } from '../../../test/support/vendor-server';
import { apiTokenAuth } from '../auth/static';
import { eachTestVendor, type Harness } from '../transport.testkit';
import type { Transport, TransportRequest } from '../types';
import { deltaPages } from './delta';
import { linkPages } from './link';
import type { Page } from './types';

/**
 * A listing's later pages are requested as linked (URL), but under the first request's terms:
 * the caller's abort signal and retry budget hold for the whole listing, not its first page only.
 */
let vendor: VendorServer;
let h: Harness;
let t: Transport;
const users = Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, accountEnabled: true }));

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  t = h.transport({ baseUrl: `${vendor.url}/api`, auth: apiTokenAuth({ token: 'okta-token-1', scheme: 'SSWS' }) });
});

const listings: [string, string, (request: TransportRequest) => AsyncGenerator<Page<unknown>, unknown>][] = [
  ['Link header', 'GET /api/users', (request) => linkPages(t, { request, items: (b) => b as unknown[] })],
  ['Graph delta', 'GET /api/users', (request) => deltaPages(t, { request })],
];
const serve = (name: string) => (name === 'Link header' ? pages.link(users, { pageSize: 2 }) : pages.delta(users, { pageSize: 2, deltaToken: 'r1' }));

describe.each(listings)('%s', (name, route, list) => {
  test('a caller that aborts after the first page gets no further request sent', async () => {
    vendor.on(route, serve(name));
    const abort = new AbortController();
    const it = list({ path: '/users', signal: abort.signal });
    expect((await it.next()).value).toMatchObject({ items: users.slice(0, 2) });
    abort.abort(new Error('caller gave up'));
    await expect(it.next()).rejects.toThrow('caller gave up');
    expect(vendor.requests).toHaveLength(1);
  });

  test('the retry budget of the request holds for later pages: a 429 with a wait past it is not waited out', async () => {
    vendor.queue(route, serve(name), reply.tooManyRequests('30'));
    vendor.on(route, serve(name));
    const it = list({ path: '/users', budgetMs: 0 });
    await it.next();
    await expect(it.next()).rejects.toMatchObject({ code: 'connector_rate_limited', extra: { retryAfterMs: 30_000 } });
    expect(h.waits).toEqual([]);
  });
});
