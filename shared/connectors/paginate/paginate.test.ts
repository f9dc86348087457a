import { pages, reply, type VendorServer } from '../../../test/support/vendor-server';
import { apiTokenAuth } from '../auth/static';
import { eachTestVendor, type Harness } from '../transport.testkit';
import type { Transport } from '../types';
import { cursorPages } from './cursor';
import { linkPages } from './link';
import { offsetPages } from './offset';
import { at, eachItem, type Page } from './types';

let vendor: VendorServer;
let h: Harness;
let t: Transport;
const users = Array.from({ length: 7 }, (_, i) => ({ id: `u${i}` }));

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  t = h.transport({ baseUrl: `${vendor.url}/api/v1`, auth: apiTokenAuth({ token: 'okta-token-1', scheme: 'SSWS' }) });
});

async function collect<T>(it: AsyncIterable<Page<T>>) {
  const out: Page<T>[] = [];
  for await (const p of it) out.push(p);
  return { items: out.flatMap((p) => p.items), nexts: out.map((p) => p.next) };
}

describe('cursor', () => {
  const paging = (startCursor?: string) => ({
    request: { path: '/users', query: { limit: 3 } },
    cursorParam: 'cursor',
    items: (b: unknown) => at(b, 'members') as { id: string }[],
    nextCursor: (b: unknown) => at(b, 'response_metadata', 'next_cursor') as string,
    startCursor,
  });

  test('follows the cursor until it is empty; each page says where to resume', async () => {
    vendor.on('GET /api/v1/users', (req) => {
      const r = pages.cursor(users, { pageSize: 3, itemsKey: 'members' })(req) as { json: Record<string, unknown> };
      return reply.json({ members: r.json.members, response_metadata: { next_cursor: r.json.next_cursor } });
    });
    expect(await collect(cursorPages(t, paging()))).toEqual({ items: users, nexts: ['3', '6', undefined] });
    expect(vendor.requests.map((r) => r.url.search)).toEqual(['?limit=3', '?limit=3&cursor=3', '?limit=3&cursor=6']);
    // Resuming from a persisted cursor starts there.
    expect((await collect(cursorPages(t, paging('6')))).items).toEqual(users.slice(6));
  });

  test('a cursor that repeats ends the listing instead of looping', async () => {
    vendor.on('GET /api/v1/users', reply.json({ members: [{ id: 'x' }], response_metadata: { next_cursor: 'same' } }));
    expect(await collect(cursorPages(t, paging()))).toEqual({ items: [{ id: 'x' }, { id: 'x' }], nexts: ['same', undefined] });
  });
});

describe('offset', () => {
  const paging = (o: { total?: boolean; startOffset?: number } = {}) => ({
    request: { path: '/search' },
    offsetParam: 'startAt', limitParam: 'maxResults', limit: 3,
    items: (b: unknown) => at(b, 'values') as { id: string }[],
    total: o.total === false ? undefined : (b: unknown) => at(b, 'total') as number,
    startOffset: o.startOffset,
  });

  test('advances by the items returned (the server may cap the page) until the total', async () => {
    vendor.on('GET /api/v1/search', pages.offset(users, { cap: 2 }));
    expect(await collect(offsetPages(t, paging()))).toEqual({ items: users, nexts: ['2', '4', '6', undefined] });
    expect(vendor.requests.map((r) => r.query.get('startAt'))).toEqual(['0', '2', '4', '6']);
  });

  test('without a total, a short page ends the listing; resumes from an offset', async () => {
    vendor.on('GET /api/v1/search', pages.offset(users, { withTotal: false }));
    expect(await collect(offsetPages(t, paging({ total: false })))).toEqual({ items: users, nexts: ['3', '6', undefined] });
    expect((await collect(offsetPages(t, paging({ startOffset: 3 })))).items).toEqual(users.slice(3));
  });

  test('an empty page ends it even if the total says otherwise', async () => {
    vendor.on('GET /api/v1/search', reply.json({ values: [], total: 99 }));
    expect(await collect(offsetPages(t, paging()))).toEqual({ items: [], nexts: [undefined] });
  });
});

describe('Link header', () => {
  const paging = (startUrl?: string) => ({ request: { path: '/users', query: { limit: 3 } }, items: (b: unknown) => b as { id: string }[], startUrl });

  test("follows rel=next on the base origin, as linked; each page's next URL can be persisted", async () => {
    vendor.on('GET /api/v1/users', pages.link(users, { pageSize: 3 }));
    const { items, nexts } = await collect(linkPages(t, paging()));
    expect(items).toEqual(users);
    expect(nexts).toEqual([`${vendor.url}/api/v1/users?after=3&limit=3`, `${vendor.url}/api/v1/users?after=6&limit=3`, undefined]);
    expect(vendor.requests.every((r) => r.headers.authorization === 'SSWS okta-token-1')).toBe(true);
    expect((await collect(linkPages(t, paging(nexts[1])))).items).toEqual(users.slice(6));
  });

  test('a next link to another origin is refused before it is requested', async () => {
    vendor.on('GET /api/v1/users', pages.link(users, { pageSize: 3, origin: 'http://127.0.0.2:9' }));
    // Refused with the page that carries it: a page without `next` would read as the last one.
    await expect(collect(linkPages(t, paging()))).rejects.toMatchObject({ code: 'connector_link_refused' });
    expect(vendor.requests.every((r) => r.url.origin === vendor.url)).toBe(true);
  });

  test('every item of every page', async () => {
    vendor.on('GET /api/v1/users', pages.link(users, { pageSize: 2 }));
    const all: unknown[] = [];
    for await (const u of eachItem(linkPages(t, paging()))) all.push(u);
    expect(all).toEqual(users);
  });
});
