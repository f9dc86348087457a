import { memorySealer } from '../../ports/sealer';
import { memoryStore } from '../../store/memory';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { refreshTokenAuth } from './refresh-token';
import { memoryRefreshTokens, type RefreshTokenStore, stateStoreRefreshTokens } from './refresh-token-store';

let vendor: VendorServer;
let h: Harness;
let n: number;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  n = 0;
  // A rotating server: every refresh answers a new refresh token and accepts only the latest one.
  let valid = 'rt-initial-000';
  vendor.on('POST /token', (req) => {
    const form = req.json() as Record<string, string>;
    if (form.refresh_token !== valid) return { status: 400, json: { error: 'invalid_grant', error_description: `token ${form.refresh_token} was revoked` } };
    valid = `rt-rotated-${++n}00`;
    return reply.json({ access_token: `at-${n}-xxxxxxxx`, expires_in: 600, refresh_token: valid });
  });
  vendor.on('GET /api/me', (req) => reply.json({ auth: req.headers.authorization }));
});

const t = (store: RefreshTokenStore) =>
  h.transport({ baseUrl: `${vendor.url}/api`, auth: refreshTokenAuth({ tokenUrl: `${vendor.url}/token`, clientId: 'app', clientSecret: 'app-secret-1', store }) });

test('redeems the stored refresh token and persists the rotated one before using the access token', async () => {
  const store = memoryRefreshTokens('rt-initial-000');
  const tr = t(store);
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-1-xxxxxxxx' });
  expect(store.saved).toEqual(['rt-rotated-100']);
  expect(vendor.requestsTo('POST /token')[0]!.json()).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-initial-000' });

  h.clock.advance(600_000);
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-2-xxxxxxxx' });
  expect(store.saved).toEqual(['rt-rotated-100', 'rt-rotated-200']);
});

test('in the state store, sealed at rest; a new instance continues from the rotated token', async () => {
  const state = memoryStore(h.clock);
  const sealer = memorySealer();
  const tokens = () => stateStoreRefreshTokens({ store: state, key: 'connectors/acme/refresh-token', initial: 'rt-initial-000', sealer });
  await t(tokens()).request({ path: '/me' });
  const stored = await state.get('connectors/acme/refresh-token');
  expect(stored!.value).not.toContain('rt-rotated-100');
  expect(await tokens().load()).toBe('rt-rotated-100');

  // A second function instance (its own transport and cache) redeems the rotated token, not the initial one.
  expect((await t(tokens()).request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-2-xxxxxxxx' });
  expect(vendor.requestsTo('POST /token').map((r) => (r.json() as Record<string, string>).refresh_token)).toEqual(['rt-initial-000', 'rt-rotated-100']);
});

test('a failed save fails the call but keeps the rotated token for the next attempt', async () => {
  const inner = memoryRefreshTokens('rt-initial-000');
  let failSave = true;
  const store: RefreshTokenStore = {
    load: inner.load,
    save: async (tok) => {
      if (failSave) throw new Error('store down');
      await inner.save(tok);
    },
  };
  const tr = t(store);
  await expect(tr.request({ path: '/me' })).rejects.toThrow('store down');
  expect(vendor.requestsTo('GET /api/me')).toHaveLength(0);
  failSave = false;
  expect((await tr.request({ path: '/me' })).body).toEqual({ auth: 'Bearer at-2-xxxxxxxx' });
  expect(inner.saved).toEqual(['rt-rotated-200']);
});

test('a revoked refresh token says to authorize again, without quoting it', async () => {
  const err = await t(memoryRefreshTokens('rt-stolen-999')).request({ path: '/me' }).catch((e) => e);
  expect(err).toMatchObject({ code: 'connector_auth_failed', retryable: false });
  expect(err.message).toContain('authorize acme again');
  expect(JSON.stringify({ m: err.message, x: err.extra })).not.toContain('rt-stolen-999');
});

test('no refresh token stored at all', async () => {
  await expect(t(memoryRefreshTokens()).request({ path: '/me' })).rejects.toMatchObject({ code: 'connector_auth_failed', message: expect.stringContaining('no refresh token is stored') });
  expect(vendor.requests).toHaveLength(0);
});
