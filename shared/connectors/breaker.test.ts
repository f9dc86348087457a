import { fixedClock } from '../ports/clock';
import { createBreaker } from './breaker';

test('opens after the threshold of consecutive failures, probes once after the cool-down', () => {
  const clock = fixedClock(0);
  const changes: string[] = [];
  const b = createBreaker(clock, { failureThreshold: 3, coolDownMs: 1000 }, (s) => changes.push(s));
  b.failure(false);
  b.failure(false);
  b.success(); // a success resets the count
  b.failure(false);
  b.failure(false);
  expect(b.state).toBe('closed');
  b.failure(false);
  expect(b.state).toBe('open');
  expect(b.admit()).toEqual({ ok: false, retryAfterMs: 1000 });
  clock.advance(999);
  expect(b.admit()).toEqual({ ok: false, retryAfterMs: 1 });
  clock.advance(1);
  expect(b.admit()).toEqual({ ok: true, probe: true });
  expect(b.state).toBe('half-open');
  expect(b.admit().ok).toBe(false); // one probe at a time
  b.failure(true);
  expect(b.state).toBe('open');
  expect(b.admit()).toEqual({ ok: false, retryAfterMs: 1000 });
  clock.advance(1000);
  expect(b.admit()).toEqual({ ok: true, probe: true });
  b.success();
  expect(b.state).toBe('closed');
  expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
});

test('a released probe lets the next call probe at once; a straggler failure does not reopen', () => {
  const clock = fixedClock(0);
  const b = createBreaker(clock, { failureThreshold: 1, coolDownMs: 500 });
  b.failure(false);
  clock.advance(500);
  expect(b.admit()).toEqual({ ok: true, probe: true });
  b.failure(false); // a straggler admitted while closed
  expect(b.state).toBe('half-open');
  b.release(true);
  expect(b.admit()).toEqual({ ok: true, probe: true });
});
