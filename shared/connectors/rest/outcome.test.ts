import { createServer } from 'node:net';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import { guardedHttp } from '../../http/egress';
import type { Deps } from '../../ports';
import type { Harness } from '../transport.testkit';
import { restDestinationSchema } from './config';
import { restDestination } from './destination';
import { eachRestTest, userEvent } from './rest.testkit';

/**
 * A POST or PATCH not marked idempotent is sent once per event (README, Connectors: "a create is
 * never repeated after a timeout"). The transport does not repeat it after a 5xx or a timeout, and
 * its error must not be retryable either, or the queue's redelivery would send it again: a failure
 * that may have reached the API is final (`connector_outcome_unknown`, kept as a dead letter by the
 * router); one that certainly did not stays retryable.
 */
let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachRestTest((kit) => ({ vendor, h, deps } = kit));

/** Each attempt's deadline, aborted by the vendor once the request has arrived: no real timer. */
const deadlines: AbortController[] = [];
const timeoutSignal = () => {
  const c = new AbortController();
  deadlines.push(c);
  return c.signal;
};
const expire = () => {
  deadlines.at(-1)!.abort(new DOMException('timed out', 'TimeoutError'));
  return reply.hang();
};

const destination = (extra: object = {}, baseUrl = `${vendor.url}/api`) =>
  restDestination('cases', restDestinationSchema.parse({ type: 'rest', baseUrl, path: '/cases', body: { id: '{{ data.user.id }}' }, ...extra }), { sleep: h.sleep, random: () => 0.5, timeoutSignal });
const failure = (extra: object = {}, baseUrl?: string) => destination(extra, baseUrl)(userEvent(), deps).catch((x: unknown) => x);
const posts = () => vendor.requestsTo('POST /api/cases');

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

test.each([
  ['a 502', () => reply.serverError(502), 'connector_unavailable', 'the vendor answered HTTP 502'],
  ['a 503 with Retry-After', () => reply.unavailable('5'), 'connector_unavailable', 'the vendor answered HTTP 503'],
  ['a timeout after sending', expire, 'connector_timeout', 'no answer came within the deadline'],
  ['a connection dropped after sending', () => reply.drop(), 'connector_unreachable', 'the connection failed after the request was sent'],
])('a POST failing with %s may have been applied: final, outcome unknown, sent once', async (_, answer, failed, why) => {
  vendor.queue('POST /api/cases', answer);
  vendor.on('POST /api/cases', reply.json({}, 201));
  const e = await failure();
  expect(e).toMatchObject({ code: 'connector_outcome_unknown', retryable: false, extra: { outcomeUnknown: true, failure: failed, method: 'POST', path: '/api/cases' } });
  expect((e as Error).message).toContain(`cases: POST /api/cases may have been applied (${why}`);
  expect((e as Error).message).toContain('set idempotent: true or idempotencyKeyHeader on cases');
  expect((e as { headers: Record<string, string> }).headers).toEqual({});
  expect(posts()).toHaveLength(1);
});

test('a PATCH is final after a 5xx as well; a PATCH marked idempotent and a PUT stay retryable when their retries are used up', async () => {
  vendor.on('PATCH /api/cases', reply.serverError(500));
  expect(await failure({ method: 'PATCH' })).toMatchObject({ code: 'connector_outcome_unknown', retryable: false });
  expect(vendor.requestsTo('PATCH /api/cases')).toHaveLength(1);
  expect(await failure({ method: 'PATCH', idempotent: true })).toMatchObject({ code: 'connector_unavailable', retryable: true });
  vendor.on('PUT /api/cases', reply.serverError(500));
  expect(await failure({ method: 'PUT' })).toMatchObject({ code: 'connector_unavailable', retryable: true });
  expect(vendor.requestsTo('PUT /api/cases')).toHaveLength(4);
});

test('a POST that certainly was not processed stays retryable: 408, 425, 429 beyond the budget, connection refused', async () => {
  for (const answer of [{ status: 408 }, { status: 425 }]) {
    vendor.queue('POST /api/cases', answer);
    expect(await failure()).toMatchObject({ code: 'connector_unavailable', retryable: true });
  }
  vendor.queue('POST /api/cases', reply.tooManyRequests('120'));
  expect(await failure()).toMatchObject({ code: 'connector_rate_limited', retryable: true, extra: { retryAfterMs: 120_000 } });
  expect(posts()).toHaveLength(3);
  const refused = await failure({}, `http://127.0.0.1:${await closedPort()}/api`);
  expect(refused).toMatchObject({ code: 'connector_unreachable', retryable: true, extra: { reason: 'ECONNREFUSED' } });
  expect((refused as { extra: object }).extra).not.toHaveProperty('outcomeUnknown');
});

test("the token endpoint's 5xx or timeout comes before the POST is sent: retryable", async () => {
  const auth = { type: 'oauth2-client-credentials', tokenUrl: `${vendor.url}/oauth/token`, clientId: 'cid', clientSecret: 'csecret-123456' };
  vendor.queue('POST /oauth/token', reply.serverError(502));
  expect(await failure({ auth })).toMatchObject({ code: 'connector_unavailable', retryable: true });
  vendor.queue('POST /oauth/token', expire);
  expect(await failure({ auth })).toMatchObject({ code: 'connector_timeout', retryable: true });
  expect(posts()).toHaveLength(0);
});

test('a POST whose deadline ran out while the egress guard was still resolving its host sent nothing: retryable', async () => {
  // A resolver that does not answer within the deadline (getaddrinfo working through resolv.conf's timeouts).
  let lookups = 0;
  const lookup = () => void lookups++;
  const slowDns = { ...deps, http: guardedHttp({ allowPrivate: ['127.0.0.0/8'], lookup: lookup as never }) };
  const pending = destination({}, 'http://api.vendor.test/api')(userEvent(), slowDns).catch((x: unknown) => x);
  await new Promise((resolve) => setImmediate(resolve));
  deadlines.at(-1)!.abort(new DOMException('timed out', 'TimeoutError'));
  const e = await pending;
  expect(lookups).toBe(1);
  expect(e).toMatchObject({ code: 'connector_timeout', retryable: true });
  expect((e as { extra: object }).extra).not.toHaveProperty('outcomeUnknown', true);
});
