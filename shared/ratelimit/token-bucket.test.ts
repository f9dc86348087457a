import { fixedClock } from '../ports';
import { memoryStore } from '../store/memory';
import { MAX_TTL_SECONDS } from '../store/text-and-ttl';
import { take } from './token-bucket';

describe('token bucket in the state store', () => {
  test('allows a burst, then refuses with Retry-After until tokens refill at the given rate', async () => {
    const clock = fixedClock(1_000_000);
    const store = memoryStore(clock);
    const limit = { perSecond: 2, burst: 3 };
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await take(store, clock, 'k', limit));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results[3]).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(499);
    expect((await take(store, clock, 'k', limit)).ok).toBe(false);
    clock.advance(1);
    expect((await take(store, clock, 'k', limit)).ok).toBe(true);
    expect((await take(store, clock, 'k', limit)).ok).toBe(false);
  });

  test('a slow rate asks to wait as long as the next token takes', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 0.1, burst: 1 };
    expect(await take(store, clock, 'k', limit)).toEqual({ ok: true });
    expect(await take(store, clock, 'k', limit)).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  test('asks to wait only for the part of the next token still missing', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 0.1, burst: 1 };
    expect(await take(store, clock, 'k', limit)).toEqual({ ok: true });
    clock.advance(5000); // half a token back
    expect(await take(store, clock, 'k', limit)).toEqual({ ok: false, retryAfterSeconds: 5 });
  });

  test('a quiet period refills the bucket up to its burst, never beyond', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 1, burst: 3 };
    expect((await take(store, clock, 'k', limit)).ok).toBe(true); // 2 left
    clock.advance(3000); // 3 tokens' worth of time: 5 without the cap
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await take(store, clock, 'k', limit)).ok);
    expect(results).toEqual([true, true, true, false, false]);
  });

  test('a drained bucket is kept until it would be full again: a pause shorter than that refills only what it earned', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 1, burst: 10 };
    for (let i = 0; i < 10; i++) expect((await take(store, clock, 'k', limit)).ok).toBe(true);
    clock.advance(3000);
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await take(store, clock, 'k', limit)).ok);
    expect(results).toEqual([true, true, true, false, false]);
  });

  test('keys are independent, and concurrent takes never overspend the bucket', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 1, burst: 5 };
    const all = await Promise.all(Array.from({ length: 20 }, () => take(store, clock, 'a', limit)));
    expect(all.filter((r) => r.ok)).toHaveLength(5);
    expect((await take(store, clock, 'b', limit)).ok).toBe(true);
  });

  test('an idle bucket expires from the store', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    await take(store, clock, 'k', { perSecond: 10, burst: 10 });
    expect(await store.get('k')).toBeDefined();
    clock.advance(3000);
    expect(await store.get('k')).toBeUndefined();
  });
});

describe('token bucket under a flood', () => {
  test('more concurrent takes than the bucket can settle are refused, never let through past the burst', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 1, burst: 50 };
    // Each round of a conditional put has one winner: 200 takes at once race for many rounds.
    const all = await Promise.all(Array.from({ length: 200 }, () => take(store, clock, 'a', limit)));
    const allowed = all.filter((r) => r.ok).length;
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThanOrEqual(limit.burst);
    for (const r of all) if (!r.ok) expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // What the flood did not spend is still there for the next sender.
    expect((await take(store, clock, 'a', limit)).ok).toBe(true);
  });
});

describe('token bucket arithmetic', () => {
  test('a take at the very millisecond its token is due is let through, whatever the rounding of fractional rates', async () => {
    // 0.7 tokens a second, 2 at once: by 10 s, 2 + 7 = 9 tokens have been earned. Summed as
    // floats, the fractions leave 0.9999999999999997 of the ninth.
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 0.7, burst: 2 };
    for (const at of [0, 0, 1429, 2858, 4286, 5715, 7143, 8572, 10_000]) {
      clock.set(at);
      expect(await take(store, clock, 'k', limit)).toEqual({ ok: true });
    }
    expect((await take(store, clock, 'k', limit)).ok).toBe(false);
  });

  test('a rate slower than any store keeps a ttl for: the bucket lives as long as a store allows, and is refused meanwhile', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 1e-300, burst: 1 };
    expect(await take(store, clock, 'k', limit)).toEqual({ ok: true });
    clock.advance(365 * 24 * 3600 * 1000);
    // Never a wait past the bucket's life (1e300 s would be a Retry-After of "1e+300").
    expect(await take(store, clock, 'k', limit)).toEqual({ ok: false, retryAfterSeconds: MAX_TTL_SECONDS });
    expect((await store.get('k'))?.expiresAt).toBe(MAX_TTL_SECONDS * 1000);
  });

  test('a limit no bucket can meet is refused: burst under one token, a rate that is not a positive number', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    for (const limit of [{ perSecond: 1, burst: 0.5 }, { perSecond: 1, burst: 0 }, { perSecond: 0, burst: 1 }, { perSecond: -1, burst: 1 }, { perSecond: Number.NaN, burst: 1 }, { perSecond: 1, burst: Number.POSITIVE_INFINITY }]) {
      await expect(take(store, clock, 'k', limit)).rejects.toThrow(RangeError);
    }
    expect(await store.get('k')).toBeUndefined();
  });

  test('a take after a very long idle finds a full bucket, not more', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const limit = { perSecond: 1000, burst: 3 };
    for (let i = 0; i < 3; i++) await take(store, clock, 'k', limit);
    clock.advance(50 * 365 * 24 * 3600 * 1000);
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await take(store, clock, 'k', limit)).ok);
    expect(results).toEqual([true, true, true, false]);
  });
});
