import { AppError } from '../../shared/errors';
import { apiDeps, call } from './testkit';
import { parseSubscriptionInput, type SubscriptionChanges } from './subscription-input';

type Outcome = SubscriptionChanges & { status?: number; code?: string; problems?: string[] };
const create = (body: Record<string, unknown>, allowPrivate: string[] = []): Outcome => {
  try {
    return parseSubscriptionInput(body, { mode: 'create', allowPrivate });
  } catch (e) {
    if (e instanceof AppError) return { status: e.status, code: e.code, problems: e.extra.problems as string[] };
    throw e;
  }
};

describe('subscription input', () => {
  test.each([
    ['http://127.0.0.1/', 'url_blocked_address'],
    ['http://10.0.0.1/', 'url_blocked_address'],
    ['http://169.254.169.254/latest/meta-data', 'url_blocked_address'],
    ['http://[::1]/', 'url_blocked_address'],
    ['http://[::ffff:127.0.0.1]/', 'url_blocked_address'],
    ['https://user:pw@example.com/', 'url_credentials'],
    ['ftp://example.com/', 'url_scheme'],
    ['not a url', 'url_invalid'],
  ])('SSRF guard: %s is 422 %s through the API', async (url, code) => {
    const { deps } = apiDeps();
    const res = await call(deps, 'POST', '/subscriptions', { body: { url } });
    expect([res.status, res.json.code]).toEqual([422, code]);
    expect(res.json.problems).toEqual([expect.stringMatching(/^url: /)]);
    expect(res.text).not.toContain('169.254'); // messages name the rule, never the address
  });

  test('a private address is allowed when egress.allowPrivate opens it', async () => {
    const { deps } = apiDeps({ egress: { allowPrivate: ['127.0.0.0/8'] } });
    const res = await call(deps, 'POST', '/subscriptions', { body: { url: 'http://127.0.0.1:9/' } });
    expect(res.status).toBe(201);
    expect((await call(deps, 'POST', '/subscriptions', { body: { url: 'http://10.0.0.1/' } })).json.code).toBe('url_blocked_address');
  });

  test('a CESQL syntax error is 422 naming filter.sql; unknown functions too', () => {
    expect(create({ url: 'https://x.example/', filter: { sql: "type = 'a' AND" } })).toMatchObject({ status: 422, code: 'invalid_subscription', problems: [expect.stringMatching(/^filter\.sql: /)] });
    expect(create({ url: 'https://x.example/', filter: { sql: 'NOSUCHFN(type)' } }).problems).toEqual([expect.stringMatching(/^filter\.sql: .*NOSUCHFN/i)]);
    expect(create({ url: 'https://x.example/', filter: { all: [{ exact: { type: 1 } }] } }).problems).toEqual(['filter.all[0].exact.type: must be a string']);
    expect(create({ url: 'https://x.example/', filter: { sql: "type LIKE 'secorch.%'" } })).toEqual({ url: 'https://x.example/', filter: { sql: "type LIKE 'secorch.%'" } });
  });

  test('a bad JSONata transform is 422 naming transform', () => {
    expect(create({ url: 'https://x.example/', transform: '{ "a": ' })).toMatchObject({ status: 422, code: 'invalid_subscription', problems: [expect.stringMatching(/^transform: /)] });
    expect(create({ url: 'https://x.example/', transform: 'x'.repeat(9000) }).problems).toEqual([expect.stringMatching(/^transform: .*longer/)]);
  });

  test('headers, rateLimit and enabled are checked, every problem listed at once', () => {
    const out = create({ url: 'https://x.example/', headers: { 'webhook-signature': 'x', 'x-ok': 'a\r\nb' }, rateLimit: { perSecond: 0, burst: 1.5 }, enabled: 'yes' });
    expect(out).toMatchObject({ status: 422, code: 'invalid_subscription' });
    expect(out.problems!.sort()).toEqual([
      'enabled: must be true or false',
      'headers["webhook-signature"]: may not be set, the delivery sets it',
      'headers["x-ok"]: the value may hold printable ASCII only (no CR, LF or other control characters)',
      'rateLimit.burst: must be an integer',
      'rateLimit.perSecond: must be at least 0.0001 (one every 10000 seconds)',
    ]);
  });

  // The bucket lives for burst / perSecond seconds: one token per 10^300 s is an expiry past what
  // PostgreSQL, Redis, Azure Tables or Firestore can store: every attempt of the subscription ended in an error.
  test('rateLimit.perSecond is at least one token every 10000 seconds', () => {
    for (const perSecond of [1e-300, 5e-5]) {
      expect(create({ url: 'https://x.example/', rateLimit: { perSecond } }).problems).toEqual(['rateLimit.perSecond: must be at least 0.0001 (one every 10000 seconds)']);
    }
    expect(create({ url: 'https://x.example/', rateLimit: { perSecond: 0.0001, burst: 10_000 } })).toEqual({ url: 'https://x.example/', rateLimit: { perSecond: 0.0001, burst: 10_000 } });
  });

  test('headers named like Object.prototype members are kept as data, and "[redacted]" needs a stored value of its own', async () => {
    const { deps } = apiDeps();
    const body = '{"url":"https://x.example/","headers":{"__proto__":"a","constructor":"b"}}';
    const res = await call(deps, 'POST', '/subscriptions', { body });
    // Built from entries: `__proto__` in an object literal would set the prototype instead.
    const headers = (more: [string, string][] = []) => Object.fromEntries([['__proto__', 'a'], ['constructor', 'b'], ...more]);
    expect([res.status, res.json.headers]).toEqual([201, headers()]);
    expect((await call(deps, 'GET', `/subscriptions/${res.json.id}`)).json.headers).toEqual(headers());
    // Kept from what is stored, not found on the prototype of an empty record.
    const kept = await call(deps, 'PATCH', `/subscriptions/${res.json.id}`, { body: '{"headers":{"__proto__":"[redacted]","x-team":"blue"}}' });
    expect([kept.status, kept.json.headers]).toEqual([200, headers([['x-team', 'blue']])]);
    for (const name of ['__proto__', 'constructor']) {
      expect(create({ url: 'https://x.example/', headers: JSON.parse(`{"${name}":"[redacted]"}`) }).problems)
        .toEqual([`headers["${name}"]: "[redacted]" keeps a stored value, and there is none`]);
    }
  });

  test('url is required on create, optional on update; null removes optional fields on update', () => {
    expect(create({}).problems).toEqual(['url: required']);
    expect(create({ url: 5 }).problems).toEqual(['url: must be a string']);
    expect(parseSubscriptionInput({ filter: null, transform: null, headers: null, rateLimit: null }, { mode: 'update', allowPrivate: [] }))
      .toEqual({ filter: null, transform: null, headers: null, rateLimit: null });
  });
});
