import { reply, type VendorServer } from '../../test/support/vendor-server';
import { bearerAuth } from './auth/static';
import { eachTestVendor, type Harness } from './transport.testkit';

let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => ({ vendor, h } = kit));

const t = () => h.transport({ baseUrl: vendor.url, auth: bearerAuth({ token: 'tok-123456' }), retry: { maxAttempts: 1 }, breaker: { failureThreshold: 3, coolDownMs: 10_000 } });

test('consecutive 5xx open the breaker: calls fail fast without reaching the vendor, then one probe closes it', async () => {
  vendor.on('GET /x', reply.serverError(500));
  const tr = t();
  for (let i = 0; i < 3; i++) await expect(tr.request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_unavailable' });
  const err = await tr.request({ path: '/x' }).catch((e) => e);
  expect(err).toMatchObject({ code: 'connector_circuit_open', retryable: true, retryAfterMs: 10_000 });
  expect(vendor.requests).toHaveLength(3);

  h.clock.advance(10_000);
  vendor.on('GET /x', reply.json({ ok: true }));
  expect((await tr.request({ path: '/x' })).body).toEqual({ ok: true });
  expect((await tr.request({ path: '/x' })).body).toEqual({ ok: true });
  expect(vendor.requests).toHaveLength(5);
  expect(h.logs.filter((l) => l.msg === 'connector breaker').map((l) => l.fields.state)).toEqual(['open', 'half-open', 'closed']);
});

test('a failed probe reopens it for another cool-down', async () => {
  vendor.on('GET /x', reply.drop());
  const tr = t();
  for (let i = 0; i < 3; i++) await expect(tr.request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_unreachable' });
  h.clock.advance(10_000);
  await expect(tr.request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_unreachable' });
  await expect(tr.request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_circuit_open', retryAfterMs: 10_000 });
  expect(vendor.requests).toHaveLength(4);
});

test('4xx answers (429 included) do not count as failures', async () => {
  vendor.on('GET /x', reply.notFound()).on('GET /y', reply.tooManyRequests('1'));
  const tr = t();
  for (let i = 0; i < 5; i++) {
    await expect(tr.request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_not_found' });
    await expect(tr.request({ path: '/y' })).rejects.toMatchObject({ code: 'connector_rate_limited' });
  }
  expect(vendor.requests).toHaveLength(10);
});

test('each transport has its own breaker', async () => {
  vendor.on('GET /x', reply.serverError(503));
  const a = t();
  for (let i = 0; i < 3; i++) await a.request({ path: '/x' }).catch(() => undefined);
  await expect(a.request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_circuit_open' });
  await expect(t().request({ path: '/x' })).rejects.toMatchObject({ code: 'connector_unavailable' });
});
