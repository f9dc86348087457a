import { verifiedTokens } from './jwt-cache';

const T0 = 1_700_000_000_000;
const s = (ms: number) => Math.floor(ms / 1000);

describe('verified-token cache', () => {
  test('a remembered token is valid until exp (with leeway), and then falls through to full verification', () => {
    const cache = verifiedTokens({ toleranceSeconds: 30 });
    expect(cache.valid('t', T0)).toBe(false);
    cache.remember('t', { exp: s(T0) + 60 }, T0);
    expect(cache.valid('t', T0 + 60_000 + 29_999)).toBe(true);
    expect(cache.valid('t', T0 + 60_000 + 30_000)).toBe(false);
    expect(cache.valid('t', T0)).toBe(false); // the stale entry was dropped
  });

  test('nbf and maxTokenAge are honoured on a hit; entries are re-verified after five minutes', () => {
    const cache = verifiedTokens({ toleranceSeconds: 0, maxTokenAgeSeconds: 120 });
    cache.remember('a', { exp: s(T0) + 3600, nbf: s(T0) + 10, iat: s(T0) }, T0 + 10_000);
    expect(cache.valid('a', T0 + 9_000)).toBe(false);
    cache.remember('a', { exp: s(T0) + 3600, nbf: s(T0) + 10, iat: s(T0) }, T0 + 10_000);
    expect(cache.valid('a', T0 + 120_000)).toBe(true);
    expect(cache.valid('a', T0 + 120_001)).toBe(false);
    const plain = verifiedTokens({ toleranceSeconds: 0 });
    plain.remember('b', { exp: s(T0) + 3600 }, T0);
    expect(plain.valid('b', T0 + 5 * 60_000 - 1)).toBe(true);
    expect(plain.valid('b', T0 + 5 * 60_000)).toBe(false);
  });

  test('tokens without exp are never cached; the cache is bounded', () => {
    const cache = verifiedTokens({ toleranceSeconds: 0 });
    cache.remember('no-exp', {}, T0);
    expect(cache.valid('no-exp', T0)).toBe(false);
    for (let i = 0; i < 1100; i++) cache.remember(`t${i}`, { exp: s(T0) + 60 }, T0);
    expect(cache.valid('t0', T0)).toBe(false);
    expect(cache.valid('t1099', T0)).toBe(true);
  });
});
