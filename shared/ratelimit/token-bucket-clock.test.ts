import { fixedClock } from '../ports';
import { memoryStore } from '../store/memory';
import { take } from './token-bucket';

/**
 * Every function instance takes from the same bucket with its own clock, and instances' clocks
 * disagree by a little (and a host's clock can be stepped back by NTP). A clock behind the
 * bucket's last refill must neither refill it nor move its refill time back, or the time between
 * the two clocks is counted again, as tokens, by the next take.
 */
describe('token bucket across clocks that disagree', () => {
  test('a take by a clock behind the last refill does not let the skew be refilled again', async () => {
    const ahead = fixedClock(10_000);
    const behind = fixedClock(5_000); // another instance, 5 s behind
    const store = memoryStore(ahead);
    const limit = { perSecond: 1, burst: 2 };
    expect((await take(store, ahead, 'k', limit)).ok).toBe(true); // 1 token left
    expect((await take(store, behind, 'k', limit)).ok).toBe(true); // the last one
    // No time has passed for either instance: the bucket is empty.
    expect(await take(store, ahead, 'k', limit)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect((await take(store, behind, 'k', limit)).ok).toBe(false);
    ahead.advance(1000);
    expect((await take(store, ahead, 'k', limit)).ok).toBe(true);
    expect((await take(store, ahead, 'k', limit)).ok).toBe(false);
  });

  test('alternating instances with skewed clocks never get more than the burst plus the refill', async () => {
    const a = fixedClock(100_000);
    const b = fixedClock(97_000); // 3 s behind
    const store = memoryStore(a);
    const limit = { perSecond: 1, burst: 5 };
    let allowed = 0;
    for (let i = 0; i < 20; i++) {
      if ((await take(store, i % 2 ? b : a, 'k', limit)).ok) allowed++;
      a.advance(100);
      b.advance(100);
    }
    // 2 s pass in all: at most 5 + 2 takes.
    expect(allowed).toBeLessThanOrEqual(7);
  });
});
