import { AppError } from '../errors';
import { apiKeysSchema, createApiKeyAuth, SCOPES, type ApiKeysConfig, type Scope } from './api-keys';

// Made-up keys, long enough for the 24-character minimum.
const CI_KEY = 'ci-key-9f8e7d6c5b4a39281706';
const ADMIN_KEY = 'admin-key+/Zm9vYmFyYmF6cXV4MTIz==';
const OTHER_TENANT_KEY = 'other-tenant-key-0123456789abcdef';

const keys: ApiKeysConfig = apiKeysSchema.parse({
  'ci-scanner': { key: CI_KEY, tenant: 'acme', scopes: ['events:write'] },
  admin: { key: ADMIN_KEY, tenant: 'acme' },
  partner: { key: OTHER_TENANT_KEY, tenant: 'globex', scopes: ['subscriptions:read', 'deliveries:read'] },
});
const auth = createApiKeyAuth(keys);
const bearer = (key: string, scheme = 'Bearer') => new Headers({ authorization: `${scheme} ${key}` });

function failure(headers: Headers, scope: Scope = 'events:write'): AppError {
  try {
    auth.authenticate(headers, scope);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('authenticate', () => {
  test('a key with scopes gets exactly those, with its tenant and origin', () => {
    expect(auth.authenticate(bearer(CI_KEY), 'events:write')).toEqual({
      keyId: 'ci-scanner', tenant: 'acme', scopes: ['events:write'], origin: 'api:ci-scanner',
    });
  });

  test.each(SCOPES.map((s) => [s]))('a key without scopes has every scope: %s', (scope) => {
    expect(auth.authenticate(bearer(ADMIN_KEY), scope)).toMatchObject({ keyId: 'admin', scopes: [...SCOPES] });
  });

  test.each(SCOPES.map((s) => [s, s === 'events:write']))('events:write-only key asking for %s → allowed: %s', (scope, allowed) => {
    if (allowed) expect(auth.authenticate(bearer(CI_KEY), scope).keyId).toBe('ci-scanner');
    else {
      const err = failure(bearer(CI_KEY), scope);
      expect(err).toMatchObject({ status: 403, code: 'forbidden_scope', extra: { scope } });
      expect(err.headers['www-authenticate']).toBe(`Bearer error="insufficient_scope", scope="${scope}"`);
    }
  });

  test('two tenants: each key maps to its own', () => {
    expect(auth.authenticate(bearer(OTHER_TENANT_KEY), 'subscriptions:read')).toMatchObject({ tenant: 'globex', origin: 'api:partner' });
    expect(auth.authenticate(bearer(ADMIN_KEY), 'subscriptions:read')).toMatchObject({ tenant: 'acme' });
    expect(failure(bearer(OTHER_TENANT_KEY), 'events:write')).toMatchObject({ status: 403 });
  });

  test.each([
    ['no Authorization header', new Headers()],
    ['an empty Authorization header', new Headers({ authorization: '' })],
    ['the Basic scheme', bearer(Buffer.from(`x:${CI_KEY}`).toString('base64'), 'Basic')],
    ['a scheme with no credential', new Headers({ authorization: 'Bearer' })],
  ])('%s → 401 with a bare Bearer challenge (RFC 6750 section 3.1)', (_n, headers) => {
    const err = failure(headers);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(err.headers['www-authenticate']).toBe('Bearer');
  });

  test.each([
    ['an unknown key', bearer('unknown-key-0000000000000000000')],
    ['a configured key with one character changed', bearer(`${CI_KEY.slice(0, -1)}7`)],
    ['a prefix of a configured key', bearer(CI_KEY.slice(0, 10))],
    ['a configured key with a suffix', bearer(`${CI_KEY}0`)],
    ['characters a bearer token cannot contain', new Headers({ authorization: `Bearer ${CI_KEY}"` })],
    ['two credentials', new Headers({ authorization: `Bearer ${CI_KEY} ${CI_KEY}` })],
  ])('%s → 401 invalid_token', (_n, headers) => {
    const err = failure(headers);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(err.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  test.each(['bearer', 'BEARER', 'BeArEr'])('the scheme name is case-insensitive (RFC 9110 section 11.1): %s', (scheme) => {
    expect(auth.authenticate(bearer(CI_KEY, scheme), 'events:write').keyId).toBe('ci-scanner');
  });

  test('surrounding whitespace is tolerated', () => {
    expect(auth.authenticate(new Headers({ authorization: `  Bearer   ${ADMIN_KEY}  ` }), 'events:write').keyId).toBe('admin');
  });

  test('no error ever carries a key, presented or configured', () => {
    const errors = [
      failure(bearer(`${CI_KEY}0`)),
      failure(bearer(CI_KEY, 'Basic')),
      failure(bearer(CI_KEY), 'deliveries:write'),
      failure(new Headers({ authorization: `Bearer ${CI_KEY}"` })),
    ];
    for (const e of errors) {
      const text = JSON.stringify({ message: e.message, extra: e.extra, headers: e.headers, stack: e.stack });
      for (const k of [CI_KEY, ADMIN_KEY, OTHER_TENANT_KEY]) expect(text).not.toContain(k);
    }
  });

  test('with no keys configured every request is refused', () => {
    expect(() => createApiKeyAuth({}).authenticate(bearer(CI_KEY), 'events:write')).toThrow(AppError);
  });

  test('the principal handed out is frozen: a caller cannot widen a key or move it to another tenant', () => {
    const p = auth.authenticate(bearer(CI_KEY), 'events:write');
    expect(() => (p.scopes as Scope[]).push('deliveries:write')).toThrow(TypeError);
    expect(() => Object.assign(p, { tenant: 'globex' })).toThrow(TypeError);
  });
});

describe('apiKeysSchema (api.keys in secorch.yaml)', () => {
  const messages = (input: unknown) => {
    const r = apiKeysSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  test('tenant defaults to "default"; scopes stay unset (= all)', () => {
    expect(apiKeysSchema.parse({ ci: { key: CI_KEY } })).toEqual({ ci: { key: CI_KEY, tenant: 'default' } });
  });

  test('a short key is refused with a clear message that does not repeat it', () => {
    const m = messages({ ci: { key: 'changeme' } });
    expect(m).toEqual(['ci.key: API keys must be at least 24 characters (e.g. openssl rand -base64 32)']);
    expect(m.join()).not.toContain('changeme');
  });

  test.each([
    [{ ci: { key: `${CI_KEY} x` } }, 'ci.key: API keys may contain only'],
    [{ ci: { key: CI_KEY, scopes: ['events:read'] } }, 'ci.scopes.0: scopes are events:write, subscriptions:read'],
    [{ ci: { key: CI_KEY, scopes: [] } }, 'ci.scopes: list at least one scope'],
    [{ ci: { key: CI_KEY, role: 'admin' } }, ''],
    [{ 'bad id': { key: CI_KEY } }, 'bad id: key ids are 1 to 64 characters'],
    [{ a: { key: CI_KEY }, b: { key: CI_KEY } }, ': keys a, b share the same key'],
  ])('refused: %j', (input, message) => {
    const m = messages(input);
    expect(m.length).toBeGreaterThan(0);
    expect(m[0]).toContain(message);
    expect(m.join()).not.toContain(CI_KEY);
  });

  test('createApiKeyAuth refuses duplicate keys too, naming ids only', () => {
    const dup = { a: { key: CI_KEY, tenant: 't' }, b: { key: CI_KEY, tenant: 'u' } };
    expect(() => createApiKeyAuth(dup)).toThrow('API keys a, b share the same key');
  });
});
