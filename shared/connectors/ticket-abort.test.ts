import { fixedClock } from '../ports/clock';
import { ABORT_MARGIN_MS, leaseAbort, realLeaseTimer, withSignal } from './ticket-abort';
import type { Transport, TransportRequest } from './types';

/** The lease's abort signal (ticket-abort.ts): when it fires, with what, and that its timer never holds the process. */

const waitFor = (signal: AbortSignal) => new Promise<unknown>((r) => signal.addEventListener('abort', () => r(signal.reason), { once: true }));

test('aborts the margin before the lease ends, by the injected clock, with a retryable ticket_lease_expired', async () => {
  const clock = fixedClock(1_000_000);
  const armed: number[] = [];
  let fire!: () => void;
  const abort = leaseAbort({ clock, leaseTimer: (ms, f) => (armed.push(ms), (fire = f), () => {}) }, 1_000_000 + 120_000, 'f-1');
  expect(armed).toEqual([120_000 - ABORT_MARGIN_MS]);
  clock.advance(120_000 - ABORT_MARGIN_MS);
  fire();
  expect(abort.signal.aborted).toBe(true);
  expect(abort.signal.reason).toMatchObject({ code: 'ticket_lease_expired', retryable: true, status: 503, expose: false, extra: { retryAfterMs: ABORT_MARGIN_MS } });
});

test('a lease already within its margin aborts at once', () => {
  const clock = fixedClock(5_000);
  const armed: number[] = [];
  leaseAbort({ clock, leaseTimer: (ms) => (armed.push(ms), () => {}) }, 5_500, 'f-1');
  expect(armed).toEqual([0]);
});

test('the real timer is unref\'d, fires on time, and end() disarms it', async () => {
  const spy = jest.spyOn(global, 'setTimeout');
  try {
    const clock = fixedClock(0);
    const fired = leaseAbort({ clock }, ABORT_MARGIN_MS + 20, 'f-1');
    const timer = spy.mock.results.at(-1)!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    expect(await waitFor(fired.signal)).toMatchObject({ code: 'ticket_lease_expired' });
    const ended = leaseAbort({ clock }, ABORT_MARGIN_MS + 20, 'f-1');
    ended.end();
    await new Promise((r) => realLeaseTimer(60, () => r(undefined)));
    expect(ended.signal.aborted).toBe(false);
  } finally {
    spy.mockRestore();
  }
});

test('withSignal adds the signal to every request, alongside a request\'s own', async () => {
  const seen: TransportRequest[] = [];
  const t: Transport = { name: 'jira', baseUrl: new URL('https://x.example'), request: async (req) => (seen.push(req), { status: 200, headers: new Headers(), body: undefined as never, url: '' }), check: async () => ({ ok: true, latencyMs: 0 }) };
  expect(withSignal(t, undefined)).toBe(t);
  const lease = new AbortController();
  const own = new AbortController();
  const api = withSignal(t, lease.signal);
  expect([api.name, api.baseUrl]).toEqual([t.name, t.baseUrl]);
  await api.request({ path: '/a' });
  await api.request({ path: '/b', signal: own.signal });
  expect(seen[0]!.signal).toBe(lease.signal);
  lease.abort(new Error('lease over'));
  expect(seen[1]!.signal!.aborted).toBe(true);
  expect(seen[1]!.signal!.reason).toEqual(new Error('lease over'));
});
