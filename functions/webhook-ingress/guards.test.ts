import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { setClientInfo } from '../../shared/http/client-info';
import type { Metrics } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { fixtureBytes } from '../../test/fixtures';
import { githubHeaders } from '../../test/support/sign';
import { webhookIngress } from './handler';

const SECRET = 'guard-secret';
const config = {
  sources: {
    locked: { verify: { scheme: 'github', secret: SECRET }, allow: ['203.0.113.0/24', '2001:db8::/32'] },
    limited: { verify: { scheme: 'github', secret: SECRET }, rateLimit: { perSecond: 1, burst: 2, perClient: { perSecond: 1, burst: 1 } } },
    plain: { verify: { scheme: 'hmac', secret: SECRET, header: 'X-Signature' } },
    guarded: { verify: { scheme: 'github', secret: SECRET }, allow: ['203.0.113.0/24'], rateLimit: { perSecond: 1, burst: 1 } },
    slow: { verify: { scheme: 'github', secret: SECRET }, rateLimit: { perSecond: 0.1, burst: 1 } },
  },
};
const body = fixtureBytes('events/github-ping.payload.json');
let n = 0;
/** A fresh signed delivery each time (new body, so a new signature, and a new delivery id). */
const signed = (source: string, ip?: string) => {
  const fresh = JSON.stringify({ zen: 'Keep it logically awesome.', n: ++n });
  return setClientInfo(new Request(`https://h.example/webhooks/${source}`, { method: 'POST', body: fresh, headers: githubHeaders(SECRET, fresh, 'ping', `g-${n}`) }), { ip });
};
const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

describe('address allowlist', () => {
  test('addresses inside the list (IPv4, IPv6, IPv4-mapped IPv6) pass; others and unknown are 403', async () => {
    const { deps } = testDeps(config);
    for (const ip of ['203.0.113.7', '2001:db8::42', '::ffff:203.0.113.9']) expect((await webhookIngress(signed('locked', ip), deps)).status).toBe(202);
    for (const ip of ['198.51.100.1', '2001:db9::1', undefined]) {
      const res = await webhookIngress(signed('locked', ip), deps);
      expect(res.status).toBe(403);
      expect(await codeOf(res)).toBe('address_not_allowed');
    }
  });
});

describe('rate limits', () => {
  test('the source bucket and each client bucket refuse with 429 and Retry-After, and refill with time', async () => {
    const { deps, clock } = testDeps(config);
    expect((await webhookIngress(signed('limited', '203.0.113.1'), deps)).status).toBe(202);
    const perClient = await webhookIngress(signed('limited', '203.0.113.1'), deps);
    expect(perClient.status).toBe(429);
    expect(perClient.headers.get('retry-after')).toBe('1');
    expect(await codeOf(perClient)).toBe('rate_limited');
    expect((await webhookIngress(signed('limited', '203.0.113.2'), deps)).status).toBe(202);
    expect((await webhookIngress(signed('limited', '203.0.113.3'), deps)).status).toBe(429);
    clock.advance(1000);
    expect((await webhookIngress(signed('limited', '203.0.113.3'), deps)).status).toBe(202);
  });
});

describe('per-client buckets', () => {
  test('an IPv6 client is counted by its /64: a new address in the same /64 is still limited, another /64 is not', async () => {
    const { deps, clock } = testDeps(config);
    expect((await webhookIngress(signed('limited', '2001:db8:1:2::1'), deps)).status).toBe(202);
    // A privacy address of the same subscriber (RFC 8981): same bucket.
    expect((await webhookIngress(signed('limited', '2001:db8:1:2:a5f3:9c1e:77b0:d4e2'), deps)).status).toBe(429);
    expect((await webhookIngress(signed('limited', '[2001:0db8:0001:0002::ffff]'), deps)).status).toBe(429);
    clock.advance(1000);
    expect((await webhookIngress(signed('limited', '2001:db8:1:3::1'), deps)).status).toBe(202);
  });

  test('an IPv4-mapped IPv6 address is the IPv4 client it carries', async () => {
    const { deps } = testDeps(config);
    expect((await webhookIngress(signed('limited', '198.51.100.7'), deps)).status).toBe(202);
    expect((await webhookIngress(signed('limited', '::ffff:198.51.100.7'), deps)).status).toBe(429);
  });
});

describe('order of the guards', () => {
  test('requests from outside the allowlist are refused before they can spend the source bucket', async () => {
    const { deps } = testDeps(config);
    for (let i = 1; i <= 3; i++) expect((await webhookIngress(signed('guarded', `198.51.100.${i}`), deps)).status).toBe(403);
    expect((await webhookIngress(signed('guarded', '203.0.113.5'), deps)).status).toBe(202);
  });

  test('a client over its limit gets 429 before its body is read or its signature checked', async () => {
    const { deps, bus } = testDeps(config);
    expect((await webhookIngress(signed('limited', '203.0.113.1'), deps)).status).toBe(202);
    let pulls = 0;
    // highWaterMark 0: the stream is pulled only when someone reads the body.
    const body = new ReadableStream<Uint8Array>({ pull: (c) => void (pulls++, c.enqueue(new TextEncoder().encode('{"unsigned":true}')), c.close()) }, { highWaterMark: 0 });
    const unsigned = setClientInfo(new Request('https://h.example/webhooks/limited', { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit), { ip: '203.0.113.1' });
    const res = await webhookIngress(unsigned, deps);
    expect([res.status, await codeOf(res)]).toEqual([429, 'rate_limited']);
    expect(pulls).toBe(0);
    expect(bus.events.filter((e) => !e.type.startsWith('secorch.audit.'))).toHaveLength(1);
  });
});

describe('rate limit answers', () => {
  test('Retry-After is the wait for the next token: the whole period when empty, what is left of it later', async () => {
    const { deps, clock } = testDeps(config);
    expect((await webhookIngress(signed('slow', '203.0.113.1'), deps)).status).toBe(202);
    const empty = await webhookIngress(signed('slow', '203.0.113.1'), deps);
    expect([empty.status, empty.headers.get('retry-after')]).toEqual([429, '10']);
    clock.advance(5000);
    const half = await webhookIngress(signed('slow', '203.0.113.1'), deps);
    expect([half.status, half.headers.get('retry-after')]).toEqual([429, '5']);
    clock.advance(5000);
    expect((await webhookIngress(signed('slow', '203.0.113.1'), deps)).status).toBe(202);
  });

  test('when the store cannot answer for the rate limiter, the request goes on (replay protection still uses the store)', async () => {
    const { deps, bus } = testDeps(config);
    const store = deps.store;
    const down = (key: string) => (key.startsWith('ratelimit:') ? Promise.reject(new Error('store unavailable (test)')) : undefined);
    deps.store = {
      ...store,
      get: (key) => down(key) ?? store.get(key),
      put: (key, value, opts) => down(key) ?? store.put(key, value, opts),
    };
    expect((await webhookIngress(signed('limited', '203.0.113.1'), deps)).status).toBe(202);
    expect((await webhookIngress(signed('limited', '203.0.113.1'), deps)).status).toBe(202);
    expect(bus.events).toHaveLength(2);
  });
});

describe('audit of rejections', () => {
  test('a rejected request publishes secorch.audit.webhook.rejected with source, reason and client address, and counts it', async () => {
    const { deps, bus } = testDeps(config);
    const counts: string[] = [];
    deps.metrics = { count: (name, _v, tags) => counts.push(`${name} ${tags?.source} ${tags?.reason}`), timing: () => undefined } satisfies Metrics;
    const forged = setClientInfo(new Request('https://h.example/webhooks/plain', { method: 'POST', body: '{"secret":"do-not-log"}', headers: { 'x-signature': 'ab'.repeat(32) } }), { ip: '198.51.100.9' });
    expect((await webhookIngress(forged, deps)).status).toBe(401);
    expect(bus.events).toHaveLength(1);
    expect(bus.events[0]).toMatchObject({
      type: 'secorch.audit.webhook.rejected', source: '/webhooks/plain', tenant: 'default', origin: 'system',
      data: { source: 'plain', reason: 'signature_invalid', status: 401, client: { ip: '198.51.100.9' }, method: 'POST' },
    });
    expect(JSON.stringify(bus.events[0])).not.toMatch(/do-not-log|abab/);
    expect(counts).toEqual(['webhooks.rejected plain signature_invalid']);
    await webhookIngress(setClientInfo(new Request('https://h.example/webhooks/%3Cscript%3E', { method: 'POST', body: '{}' }), {}), deps);
    expect(bus.events[1]).toMatchObject({ source: '/webhooks/(invalid)', data: { reason: 'unknown_source', status: 404 } });
  });

  test('a compressed body is refused (415 unsupported_content_encoding) after the address allowlist, and audited', async () => {
    const { deps, bus } = testDeps(config);
    const gzipped = (ip: string) => {
      const raw = gzipSync(JSON.stringify({ zen: 'compressed' }));
      return setClientInfo(new Request('https://h.example/webhooks/locked', { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }), { ip });
    };
    const outside = await webhookIngress(gzipped('198.51.100.1'), deps);
    expect([outside.status, await codeOf(outside)]).toEqual([403, 'address_not_allowed']);
    const inside = await webhookIngress(gzipped('203.0.113.7'), deps);
    expect([inside.status, inside.headers.get('accept-encoding'), await codeOf(inside)]).toEqual([415, 'identity', 'unsupported_content_encoding']);
    expect(bus.events.map((e) => [e.type, (e.data as { reason: string }).reason])).toEqual([
      ['secorch.audit.webhook.rejected', 'address_not_allowed'],
      ['secorch.audit.webhook.rejected', 'unsupported_content_encoding'],
    ]);
  });
});

describe('replay protection without a delivery id', () => {
  test('a signature scheme without a delivery id deduplicates on the signature', async () => {
    const { deps, bus } = testDeps(config);
    const raw = '{"event":"scan.done"}';
    const req = () => new Request('https://h.example/webhooks/plain', { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', SECRET).update(raw).digest('hex') } });
    expect((await webhookIngress(req(), deps)).status).toBe(202);
    const again = await webhookIngress(req(), deps);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });
    expect(bus.events).toHaveLength(1);
  });
});

describe('replay with a changed delivery id', () => {
  test('a captured GitHub delivery replayed with a new X-GitHub-Delivery is still a duplicate (the id is not signed)', async () => {
    const { deps, bus } = testDeps(config);
    const headers = githubHeaders(SECRET, body, 'ping', 'orig-1');
    const send = (h: Record<string, string>) => webhookIngress(new Request('https://h.example/webhooks/limited', { method: 'POST', body: body as BodyInit, headers: h }), deps);
    expect((await send(headers)).status).toBe(202);
    const replay = await send({ ...headers, 'x-github-delivery': 'forged-2' });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ duplicate: true });
    expect(bus.events.filter((e) => !e.type.startsWith('secorch.audit.'))).toHaveLength(1);
  });
});
