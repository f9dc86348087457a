import { testDeps } from '../../test/deps';
import { authenticate, pathId } from './auth';
import { apiConfig, KEY } from './testkit';

const req = (path: string, key?: string) =>
  new Request(`https://api.example.com${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('api auth', () => {
  test('the principal of a key: tenant, scopes and origin api:<key id>', () => {
    const { deps } = testDeps(apiConfig);
    expect(authenticate(req('/x', KEY.reader), deps, 'deliveries:read')).toEqual({
      keyId: 'acme-reader', tenant: 'acme', scopes: ['subscriptions:read', 'deliveries:read'], origin: 'api:acme-reader',
    });
    expect(() => authenticate(req('/x', KEY.reader), deps, 'deliveries:write')).toThrow(expect.objectContaining({ status: 403, code: 'forbidden_scope' }));
    expect(() => authenticate(req('/x'), deps, 'deliveries:read')).toThrow(expect.objectContaining({ status: 401, code: 'unauthorized' }));
  });

  test('keys are cached per configuration: another config object gets its own keys', () => {
    const a = testDeps(apiConfig).deps;
    expect(authenticate(req('/x', KEY.acme), a, 'events:write').tenant).toBe('acme');
    const b = testDeps({ api: { keys: { other: { key: KEY.acme, tenant: 'other' } } } }).deps;
    expect(authenticate(req('/x', KEY.acme), b, 'events:write')).toMatchObject({ tenant: 'other', origin: 'api:other' });
    expect(() => authenticate(req('/x', KEY.globex), b, 'events:write')).toThrow(expect.objectContaining({ status: 401 }));
    expect(authenticate(req('/x', KEY.globex), a, 'events:write').tenant).toBe('globex');
  });

  test('path ids: decoded, and anything that is not a record id is a 404 of that resource', () => {
    expect(pathId(req('/subscriptions/sub_01ABC'), 1, 'subscription')).toBe('sub_01ABC');
    expect(pathId(req('/deliveries/msg_1/retry'), 1, 'delivery')).toBe('msg_1');
    expect(pathId(req('/subscriptions/a%2Db'), 1, 'subscription')).toBe('a-b');
    for (const bad of ['a%3Ab', 'a%2Fb', '%ZZ', 'sp%20ace', 'x'.repeat(129)]) {
      expect(() => pathId(req(`/subscriptions/${bad}`), 1, 'subscription')).toThrow(expect.objectContaining({ status: 404, code: 'subscription_not_found' }));
    }
  });
});
