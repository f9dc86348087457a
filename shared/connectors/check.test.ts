import { reply, type VendorServer } from '../../test/support/vendor-server';
import { bearerAuth } from './auth/static';
import { eachTestVendor, type Harness } from './transport.testkit';

let vendor: VendorServer;
let h: Harness;
const token = 'xoxb-1234567890-abcdef';

eachTestVendor((kit) => ({ vendor, h } = kit));

const t = () => h.transport({ baseUrl: vendor.url, auth: bearerAuth({ token }), check: { path: '/api/auth.test', method: 'POST' } });

test('ok: one authenticated call to the configured path, with its latency on the injected clock', async () => {
  vendor.on('POST /api/auth.test', (req) => {
    h.clock.advance(42);
    return reply.json({ ok: true, auth: req.headers.authorization === `Bearer ${token}` });
  });
  expect(await t().check()).toEqual({ ok: true, latencyMs: 42 });
  expect(vendor.requests).toHaveLength(1);
});

test('a failure is reported with its code and fix, after one attempt and no wait', async () => {
  vendor.on('POST /api/auth.test', reply.unavailable('30'));
  const r = await t().check();
  expect(r).toMatchObject({ ok: false, error: { code: 'connector_unavailable' } });
  expect(r.error!.message).toContain('acme: POST /api/auth.test failed');
  expect(vendor.requests).toHaveLength(1);
  expect(h.waits).toEqual([]);
});

test('bad credentials are named, and the token never is', async () => {
  vendor.on('POST /api/auth.test', reply.unauthorized({ message: `invalid token ${token}` }));
  const r = await t().check();
  expect(r.error).toEqual({ code: 'connector_auth_failed', message: expect.stringContaining('check the credentials of acme') });
  expect(JSON.stringify(r)).not.toContain(token);
});
