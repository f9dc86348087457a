import {
  type Attempt, type Delivery, HEADER_BLOCKLIST, isFinal, MAX_SECRETS, responseBodyPreview, RESPONSE_BODY_LIMIT,
  rotateSecrets, sanitizeExtraHeaders, signingSecrets, type Subscription, type SubscriptionSecret,
} from './model';
import { AppError } from '../errors';

const T = Date.UTC(2030, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

describe('secrets of a subscription', () => {
  const a: SubscriptionSecret = { sealed: 'A', createdAt: iso(T - 100 * H) };

  it('signs with the one current secret', () => {
    expect(signingSecrets([a], T)).toEqual(['A']);
  });

  it('a rotation adds the new secret first and keeps the old one signing for the overlap only', () => {
    const rotated = rotateSecrets([a], 'B', T, 24 * H);
    expect(rotated).toEqual([{ sealed: 'B', createdAt: iso(T) }, { sealed: 'A', createdAt: a.createdAt, expiresAt: iso(T + 24 * H) }]);
    expect(signingSecrets(rotated, T + 24 * H - 1)).toEqual(['B', 'A']);
    expect(signingSecrets(rotated, T + 24 * H)).toEqual(['B']);
  });

  it('an overlap of 0 replaces the secret at once; expired secrets are dropped at the next rotation', () => {
    expect(rotateSecrets([a], 'B', T, 0)).toEqual([{ sealed: 'B', createdAt: iso(T) }]);
    const once = rotateSecrets([a], 'B', T, H);
    expect(rotateSecrets(once, 'C', T + 2 * H, H).map((s) => s.sealed)).toEqual(['C', 'B']);
  });

  it('rotating again within the overlap does not extend an older secret', () => {
    let s = rotateSecrets([a], 'B', T, H);
    s = rotateSecrets(s, 'C', T + 10 * 60_000, 24 * H);
    expect(s.find((x) => x.sealed === 'A')?.expiresAt).toBe(iso(T + H));
    expect(signingSecrets(s, T + H - 1)).toEqual(['C', 'B', 'A']);
  });

  it('refuses (409 too_many_secrets) a rotation that would drop a secret before the expiry its rotation announced', () => {
    // Five rotations a minute apart, each with the default 24 h overlap: the fifth would need a sixth secret.
    let s: SubscriptionSecret[] = [a];
    for (let i = 1; i <= MAX_SECRETS - 1; i++) s = rotateSecrets(s, `S${i}`, T + i * 60_000, 24 * H);
    expect(s).toHaveLength(MAX_SECRETS);
    const at = T + MAX_SECRETS * 60_000;
    let refused: unknown;
    try {
      rotateSecrets(s, 'S5', at, 24 * H);
    } catch (e) {
      refused = e;
    }
    // A, replaced by the first rotation, signs until T + 1 min + 24 h, as that rotation answered.
    const oldest = iso(T + 60_000 + 24 * H);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'too_many_secrets', status: 409, expose: true, retryable: false, extra: { maxSecrets: MAX_SECRETS, oldestSecretExpiresAt: oldest } });
    expect((refused as Error).message).toContain(`from ${oldest}`);
    expect((refused as Error).message).toContain('overlapSeconds 0');
    expect(signingSecrets(s, at)).toEqual(['S4', 'S3', 'S2', 'S1', 'A']);
    // Once the oldest has expired there is room again; an overlap of 0 is always taken.
    expect(signingSecrets(rotateSecrets(s, 'S5', T + 60_000 + 24 * H, 24 * H), T + 60_000 + 24 * H)).toEqual(['S5', 'S4', 'S3', 'S2', 'S1']);
    expect(rotateSecrets(s, 'S5', at, 0)).toEqual([{ sealed: 'S5', createdAt: iso(at) }]);
  });

  it('stops signing with a secret whose expiry cannot be read', () => {
    expect(signingSecrets([{ ...a, expiresAt: 'garbage' }], T)).toEqual([]);
  });
});

describe('responseBodyPreview', () => {
  it('keeps the first 20 KB as text', () => {
    // Spelled out, not RESPONSE_BODY_LIMIT: the limit itself is what is checked.
    const KB20 = 20 * 1024;
    expect(RESPONSE_BODY_LIMIT).toBe(KB20);
    expect(responseBodyPreview(Buffer.from('x'.repeat(KB20 + 10)))).toBe('x'.repeat(KB20));
    expect(responseBodyPreview(Buffer.from('y'.repeat(KB20)))).toBe('y'.repeat(KB20));
    expect(responseBodyPreview(Buffer.from('{"ok":true}'))).toBe('{"ok":true}');
    expect(responseBodyPreview(new Uint8Array(0))).toBe('');
  });

  it('drops a character cut at the limit instead of mangling it', () => {
    const bytes = Buffer.from('ab€'); // € is 3 bytes
    expect(responseBodyPreview(bytes, 4)).toBe('ab');
    expect(responseBodyPreview(bytes, 5)).toBe('ab€');
  });
});

describe('sanitizeExtraHeaders', () => {
  it('accepts custom headers, authorization included, lower-cased and trimmed', () => {
    expect(sanitizeExtraHeaders({ 'X-Api-Key': '  k1 ', Authorization: 'Bearer abc', 'x-empty': '' })).toEqual({
      ok: true, headers: { 'x-api-key': 'k1', authorization: 'Bearer abc', 'x-empty': '' },
    });
  });

  it.each([
    'webhook-signature', 'Webhook-Id', 'webhook-anything', 'content-type', 'Content-Length', 'host', 'connection',
    'transfer-encoding', 'ce-type', 'CE-Source', 'proxy-authorization', 'user-agent', 'te', 'upgrade', 'keep-alive',
    'content-range', 'Content-MD5', 'content-disposition', 'content-location', 'content-encoding',
    'expect', 'trailer', 'http2-settings', 'accept-encoding', 'Proxy-Connection',
  ])('refuses to let %s be overridden', (name) => {
    const r = sanitizeExtraHeaders({ [name]: 'x' });
    expect(r).toEqual({ ok: false, problems: [`headers[${JSON.stringify(name)}]: may not be set, the delivery sets it`] });
  });

  it('blocks exactly the names it documents (prefixes aside)', () => {
    expect([...HEADER_BLOCKLIST].sort()).toEqual([
      'accept-encoding', 'connection', 'expect', 'host', 'http2-settings', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent',
    ]);
  });

  const CONTROL = 'the value may hold printable ASCII only (no CR, LF or other control characters)';
  const NOT_AN_OBJECT = 'headers: must be an object of header names to values';
  it.each<[string, unknown, string]>([
    ['a CR/LF injection', { 'x-a': 'v\r\nx-injected: 1' }, `headers["x-a"]: ${CONTROL}`],
    ['a bare LF', { 'x-a': 'v\nw' }, `headers["x-a"]: ${CONTROL}`],
    ['a NUL', { 'x-a': 'v\u0000' }, `headers["x-a"]: ${CONTROL}`],
    ['a non-ASCII value', { 'x-a': 'café' }, `headers["x-a"]: ${CONTROL}`],
    ['a space in the name', { 'x a': 'v' }, 'headers["x a"]: not a valid header name'],
    ['a colon in the name', { 'x-a:': 'v' }, 'headers["x-a:"]: not a valid header name'],
    ['an empty name', { '': 'v' }, 'headers[""]: not a valid header name'],
    ['an over-long name', { ['x'.repeat(129)]: 'v' }, `headers[${JSON.stringify('x'.repeat(128))}]: not a valid header name`],
    ['a non-string value', { 'x-a': 5 }, 'headers["x-a"]: the value must be a string'],
    ['a name given twice', { 'X-A': '1', 'x-a': '2' }, 'headers["x-a"]: given twice (names are case-insensitive)'],
    ['an over-long value', { 'x-a': 'v'.repeat(4097) }, 'headers["x-a"]: the value is longer than 4096 characters'],
    ['too many headers', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-${i}`, 'v'])), 'headers: at most 20 headers'],
    ['an array', ['x-a', 'v'], NOT_AN_OBJECT],
    ['null', null, NOT_AN_OBJECT],
  ])('rejects %s, saying why', (_, input, problem) => {
    expect(sanitizeExtraHeaders(input)).toEqual({ ok: false, problems: [problem] });
  });

  it('accepts the limits themselves: 20 headers, a 128-character name, a 4096-character value', () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-${i}`, 'v']));
    expect(sanitizeExtraHeaders(many)).toEqual({ ok: true, headers: many });
    const long = { ['x'.repeat(128)]: 'v'.repeat(4096) };
    expect(sanitizeExtraHeaders(long)).toEqual({ ok: true, headers: long });
  });

  it('reports every problem with its path, never the value', () => {
    const r = sanitizeExtraHeaders({ 'x-token': 'secret-value\r\n', Host: 'evil' });
    expect(r).toEqual({
      ok: false,
      problems: [
        'headers["x-token"]: the value may hold printable ASCII only (no CR, LF or other control characters)',
        'headers["Host"]: may not be set, the delivery sets it',
      ],
    });
    expect(JSON.stringify(r)).not.toMatch(/secret-value|evil/);
  });

  it('keeps __proto__ a plain header name, not a prototype', () => {
    const r = sanitizeExtraHeaders(JSON.parse('{"__proto__": "v"}'));
    expect(r.ok && Object.keys(r.headers)).toEqual(['__proto__']);
    if (r.ok) expect(Object.getPrototypeOf(r.headers)).toBe(Object.prototype);
  });
});

describe('records', () => {
  it('type a subscription, a delivery and its attempts as stored', () => {
    const attempt: Attempt = { n: 1, at: iso(T), status: 503, durationMs: 120, responseBody: 'busy', responseHeaders: { 'retry-after': '30' } };
    const delivery: Delivery = {
      id: 'msg_1', tenant: 't', subscriptionId: 'sub_1', eventId: 'e1', eventType: 'secorch.finding.created', status: 'pending',
      attempts: [attempt], nextAttemptAt: iso(T + 5000), createdAt: iso(T), updatedAt: iso(T),
    };
    const sub: Subscription = {
      id: 'sub_1', tenant: 't', url: 'https://example.com/hook', enabled: true, createdAt: iso(T), updatedAt: iso(T),
      secrets: [{ sealed: 'sealed:abc', createdAt: iso(T) }], filter: { prefix: { type: 'secorch.finding.' } },
    };
    expect(JSON.parse(JSON.stringify({ sub, delivery }))).toEqual({ sub, delivery });
    expect(isFinal(delivery.status)).toBe(false);
    expect((['succeeded', 'failed'] as const).every(isFinal)).toBe(true);
  });
});
