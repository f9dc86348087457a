import { pages, reply, type VendorServer } from '../../test/support/vendor-server';
import { bearerAuth } from './auth/static';
import { eachTestVendor, type Harness } from './transport.testkit';

let vendor: VendorServer;
let h: Harness;
const auth = bearerAuth({ token: 'tok-abcdef-123456' });

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  vendor.on('GET /items', reply.json({ ok: 1 })).on('POST /items', reply.json({ id: 'new' }, 201));
});

const t = (retry = {}) => h.transport({ baseUrl: vendor.url, auth, retry: { baseDelayMs: 100, ...retry } });

describe('rate limits', () => {
  test('a 429 with Retry-After in seconds is waited out, then the call succeeds', async () => {
    vendor.queue('GET /items', reply.tooManyRequests('3'));
    const res = await t().request({ path: '/items' });
    expect(res.body).toEqual({ ok: 1 });
    expect(h.waits).toEqual([3000]);
    expect(vendor.requestsTo('GET /items')).toHaveLength(2);
  });

  test('Retry-After as an HTTP-date, x-ms-retry-after-ms and Okta X-Rate-Limit-Reset', async () => {
    const nowSec = h.clock.now() / 1000;
    vendor.queue('GET /items',
      reply.tooManyRequests(new Date(h.clock.now() + 20_000).toUTCString()),
      reply.tooManyRequests(undefined, { 'x-ms-retry-after-ms': '1500' }),
      reply.tooManyRequests(undefined, { 'x-rate-limit-reset': String(nowSec + 60), date: new Date(h.clock.now()).toUTCString() }));
    await t({ maxAttempts: 4, budgetMs: 120_000 }).request({ path: '/items' });
    // The third wait is read against the vendor's Date header (60 s before its reset), not against
    // our clock, which has moved 21.5 s since: reading it against ours would give 38.5 s.
    expect(h.waits).toEqual([20_000, 1500, 60_000]);
  });

  test('a wait beyond the budget fails at once, retryable, with retryAfterMs for the queue', async () => {
    vendor.queue('GET /items', reply.tooManyRequests('120'));
    const err = await t({ budgetMs: 30_000 }).request({ path: '/items' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_rate_limited', retryable: true, retryAfterMs: 120_000, headers: { 'retry-after': '120' } });
    expect(err.extra).toMatchObject({ connector: 'acme', vendorStatus: 429, method: 'GET', path: '/items' });
    expect(h.waits).toEqual([]);
    expect(vendor.requestsTo('GET /items')).toHaveLength(1);
  });

  test('the budget counts every wait of the call', async () => {
    vendor.queue('GET /items', reply.tooManyRequests('10'), reply.tooManyRequests('10'), reply.tooManyRequests('10'));
    const err = await t({ budgetMs: 25_000 }).request({ path: '/items' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_rate_limited', retryAfterMs: 10_000 });
    expect(h.waits).toEqual([10_000, 10_000]);
  });

  test('a 429 is resent for a POST too (the vendor did not act on it), unless rateLimited is idempotent', async () => {
    vendor.queue('POST /items', reply.tooManyRequests('1'));
    expect((await t().request({ method: 'POST', path: '/items', body: { a: 1 } })).status).toBe(201);
    expect(vendor.requestsTo('POST /items').map((r) => r.json())).toEqual([{ a: 1 }, { a: 1 }]);

    vendor.queue('POST /items', reply.tooManyRequests('1'));
    const err = await t({ rateLimited: 'idempotent' }).request({ method: 'POST', path: '/items', body: {} }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_rate_limited', retryAfterMs: 1000 });
    expect(vendor.requestsTo('POST /items')).toHaveLength(3);
  });
});

describe('retries', () => {
  test('an idempotent GET is retried on 5xx with full jitter until it succeeds', async () => {
    vendor.queue('GET /items', reply.serverError(500), reply.serverError(502), reply.unavailable());
    const res = await t().request({ path: '/items' });
    expect(res.status).toBe(200);
    // random() = 0.5 of ceilings 100, 200, 400
    expect(h.waits).toEqual([50, 100, 200]);
  });

  test('a 503 with Retry-After is waited as asked', async () => {
    vendor.queue('GET /items', reply.unavailable('4'));
    await t().request({ path: '/items' });
    expect(h.waits).toEqual([4000]);
  });

  test('a 5xx carrying a rate-limit window\'s reset (Okta and GitHub send it on every answer) is retried by backoff, not held until the window resets', async () => {
    const nowSec = h.clock.now() / 1000;
    const date = new Date(h.clock.now()).toUTCString();
    vendor.queue('GET /items',
      reply.serverError(500, { errorCode: 'E0000009' }, { 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '598', 'x-rate-limit-reset': String(nowSec + 45), date }),
      reply.serverError(502, { message: 'Bad Gateway' }, { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(nowSec + 3000), date }));
    const res = await t().request({ path: '/items' });
    expect(res.status).toBe(200);
    expect(h.waits).toEqual([50, 100]);
  });

  test('a non-idempotent POST is never retried on 5xx; marked idempotent it is', async () => {
    vendor.queue('POST /items', reply.serverError(502));
    const err = await t().request({ method: 'POST', path: '/items', body: {} }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_unavailable', retryable: true, extra: { vendorStatus: 502 } });
    expect(vendor.requestsTo('POST /items')).toHaveLength(1);

    vendor.queue('POST /items', reply.serverError(502));
    expect((await t().request({ method: 'POST', path: '/items', body: {}, idempotent: true })).status).toBe(201);
    expect(vendor.requestsTo('POST /items')).toHaveLength(3);
  });

  test('attempts run out: the last error, still retryable', async () => {
    vendor.on('GET /items', reply.serverError(500));
    const err = await t({ maxAttempts: 3 }).request({ path: '/items' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_unavailable', retryable: true });
    expect(vendor.requestsTo('GET /items')).toHaveLength(3);
  });

  test('501 and 4xx are final', async () => {
    vendor.queue('GET /items', reply.serverError(501), { status: 409, json: { message: 'conflict' } });
    await expect(t().request({ path: '/items' })).rejects.toMatchObject({ code: 'connector_unavailable', retryable: true });
    await expect(t().request({ path: '/items' })).rejects.toMatchObject({ code: 'connector_rejected', retryable: false });
    expect(vendor.requestsTo('GET /items')).toHaveLength(2);
  });

  test('a dropped connection is connector_unreachable, retried for GET', async () => {
    vendor.queue('GET /items', reply.drop());
    expect((await t().request({ path: '/items' })).status).toBe(200);
    vendor.queue('POST /items', reply.drop());
    await expect(t().request({ method: 'POST', path: '/items', body: {} })).rejects.toMatchObject({ code: 'connector_unreachable', retryable: true });
  });

  test('retries are logged without headers, bodies or query strings', async () => {
    vendor.queue('GET /items', reply.tooManyRequests('2'));
    await t().request({ path: '/items', query: { email: 'someone@example.com' } });
    expect(h.logs).toEqual([{ level: 'warn', msg: 'connector retry', fields: { connector: 'acme', method: 'GET', path: '/items', reason: 429, attempt: 1, waitMs: 2000 } }]);
  });
});

describe('timeouts', () => {
  test('the attempt deadline maps to connector_timeout; GET is retried, POST is not and says the outcome is unknown', async () => {
    const deadlines: AbortController[] = [];
    const timeoutSignal = () => {
      const c = new AbortController();
      deadlines.push(c);
      return c.signal;
    };
    // The server aborts the deadline itself once the request has arrived: no real timer involved.
    const expire = () => {
      deadlines.at(-1)!.abort(new DOMException('timed out', 'TimeoutError'));
      return reply.hang();
    };
    vendor.queue('GET /items', expire);
    const tr = h.transport({ baseUrl: vendor.url, auth, timeoutSignal, retry: { baseDelayMs: 100 } });
    expect((await tr.request({ path: '/items' })).body).toEqual({ ok: 1 });
    expect(vendor.requestsTo('GET /items')).toHaveLength(2);

    vendor.queue('POST /items', expire);
    const err = await tr.request({ method: 'POST', path: '/items', body: {} }).catch((e) => e);
    expect(err).toMatchObject({ code: 'connector_timeout', retryable: true, status: 504, extra: { outcomeUnknown: true } });
    expect(vendor.requestsTo('POST /items')).toHaveLength(1);
  });

  test("the caller's own abort passes through untouched and is not retried", async () => {
    const caller = new AbortController();
    vendor.queue('GET /items', () => {
      caller.abort(new Error('shutting down'));
      return reply.hang();
    });
    await expect(t().request({ path: '/items', signal: caller.signal })).rejects.toThrow('shutting down');
    expect(vendor.requestsTo('GET /items')).toHaveLength(1);
  });
});

test('a paged listing is a plain sequence of calls to the transport', async () => {
  vendor.on('GET /list', pages.cursor([1, 2, 3], { pageSize: 2 }));
  const first = await t().request<{ items: number[]; next_cursor: string }>({ path: '/list' });
  expect(first.body).toEqual({ items: [1, 2], next_cursor: '2' });
});
