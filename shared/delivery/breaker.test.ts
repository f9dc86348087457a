import {
  afterAttempt, afterSuccessAt, beforeAttempt, type BreakerEvent, type BreakerState, DEFAULT_BREAKER_OPTIONS, failingAfter,
  generationOf, heldUntil, INITIAL_BREAKER_STATE, openPeriod,
} from './breaker';

const T0 = Date.UTC(2030, 0, 1);
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

/** n failed attempts at `at`, each let through by the breaker first (as the engine does). */
function failTimes(state: BreakerState, at: number, n: number): { state: BreakerState; events: BreakerEvent[] } {
  const events: BreakerEvent[] = [];
  for (let i = 0; i < n; i++) {
    const gate = beforeAttempt(state, at);
    if (!gate.allow) throw new Error('denied');
    const r = afterAttempt(gate.state, at, false);
    state = r.state;
    events.push(...r.events);
  }
  return { state, events };
}
const open = () => failTimes(INITIAL_BREAKER_STATE, T0, 5).state;

describe('breaker', () => {
  it('stays closed below the threshold and opens on the 5th consecutive failure', () => {
    const four = failTimes(INITIAL_BREAKER_STATE, T0, 4);
    expect(four).toEqual({ state: { state: 'closed', consecutiveFailures: 4, failingSince: T0 }, events: [] });
    const r = afterAttempt(four.state, T0 + 1, false);
    expect(r.events).toEqual(['breaker.opened']);
    expect(r.state).toEqual({ state: 'open', consecutiveFailures: 5, failingSince: T0, openedAt: T0 + 1, probeAt: T0 + 1 + MIN, opens: 1, generation: 1 });
  });

  it('a success in between resets the count', () => {
    const s = afterAttempt(failTimes(INITIAL_BREAKER_STATE, T0, 4).state, T0, true);
    expect(s).toEqual({ state: INITIAL_BREAKER_STATE, events: [] });
    expect(failTimes(s.state, T0, 4).state.state).toBe('closed');
  });

  it('denies every attempt while open, until the probe time', () => {
    const s = open();
    expect(beforeAttempt(s, T0 + 1)).toEqual({ allow: false, retryAt: T0 + MIN });
    expect(beforeAttempt(s, T0 + MIN - 1)).toEqual({ allow: false, retryAt: T0 + MIN });
  });

  it('half-open lets exactly one probe through; the others wait for it', () => {
    const gate = beforeAttempt(open(), T0 + MIN);
    expect(gate).toEqual({ allow: true, state: expect.objectContaining({ state: 'half-open', probeStartedAt: T0 + MIN }) });
    const probing = (gate as { state: BreakerState }).state;
    // Another instance reading the stored state while the probe is in flight:
    expect(beforeAttempt(probing, T0 + MIN + 5 * S)).toEqual({ allow: false, retryAt: T0 + MIN + DEFAULT_BREAKER_OPTIONS.staleProbeMs });
  });

  it('replaces a probe that never reported back (crashed worker) after staleProbeMs', () => {
    const probing = (beforeAttempt(open(), T0 + MIN) as { state: BreakerState }).state;
    const later = T0 + MIN + DEFAULT_BREAKER_OPTIONS.staleProbeMs;
    expect(beforeAttempt(probing, later)).toEqual({ allow: true, state: { ...probing, probeStartedAt: later, generation: generationOf(probing) + 1 } });
  });

  it('closes on a successful probe', () => {
    const probing = (beforeAttempt(open(), T0 + MIN) as { state: BreakerState }).state;
    expect(afterAttempt(probing, T0 + MIN + 200, true)).toEqual({ state: { state: 'closed', consecutiveFailures: 0, generation: 3 }, events: ['breaker.closed'] });
  });

  it('reopens for twice as long after each failed probe, capped at 1 h', () => {
    let s = open();
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const now = s.probeAt!;
      const gate = beforeAttempt(s, now);
      expect(gate.allow).toBe(true);
      const r = afterAttempt((gate as { state: BreakerState }).state, now, false);
      expect(r.events).toEqual(['breaker.opened']);
      expect(r.state.probeStartedAt).toBeUndefined();
      waits.push(r.state.probeAt! - now);
      s = r.state;
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 60, 60, 60, 60].map((m) => m * MIN));
    expect(openPeriod(1000)).toBe(H);
  });

  it('heldUntil names the future times held-back deliveries wait for: probe time, probe grace, a failed probe\'s grace', () => {
    const stale = DEFAULT_BREAKER_OPTIONS.staleProbeMs;
    const s = open();
    expect(heldUntil(s, T0 + 1)).toEqual([T0 + MIN]);
    expect(heldUntil(s, T0 + MIN)).toEqual([]);
    const probing = (beforeAttempt(s, T0 + MIN) as { state: BreakerState }).state;
    expect(heldUntil(probing, T0 + MIN + S)).toEqual([T0 + MIN + stale]);
    // The probe failed after 10 s: the deliveries held back while it ran still wait for its grace.
    const reopened = afterAttempt(probing, T0 + MIN + 10 * S, false).state;
    expect(reopened.lastProbeStartedAt).toBe(T0 + MIN);
    expect(heldUntil(reopened, T0 + MIN + 20 * S)).toEqual([reopened.probeAt, T0 + MIN + stale]);
    expect(heldUntil(reopened, T0 + MIN + stale)).toEqual([reopened.probeAt]);
    expect(heldUntil(INITIAL_BREAKER_STATE, T0)).toEqual([]);
  });

  it('counts a straggler failure while open without extending the open period', () => {
    const s = open();
    const r = afterAttempt(s, T0 + 10 * S, false);
    expect(r).toEqual({ state: { ...s, consecutiveFailures: 6 }, events: [] });
  });

  describe('late outcomes: attempts that went before the breaker last changed state', () => {
    /** An attempt admitted while closed, before the breaker opened: its generation. */
    const before = generationOf(INITIAL_BREAKER_STATE);
    const probing = () => (beforeAttempt(open(), T0 + MIN) as { state: BreakerState }).state;

    it('a late failure while the probe is in flight is counted but neither reopens nor doubles the period', () => {
      const s = probing();
      const r = afterAttempt(s, T0 + MIN + 10 * S, false, {}, before);
      expect(r).toEqual({ state: { ...s, consecutiveFailures: 6 }, events: [] });
      // The probe still decides: its failure reopens the breaker for 2 min, the second open period.
      const failed = afterAttempt(r.state, T0 + MIN + 20 * S, false, {}, generationOf(s));
      expect(failed.events).toEqual(['breaker.opened']);
      expect(failed.state).toEqual(expect.objectContaining({ state: 'open', opens: 2, probeAt: T0 + MIN + 20 * S + 2 * MIN }));
    });

    it('a late success while the probe is in flight does not close the breaker; the probe\'s success does', () => {
      const s = probing();
      expect(afterAttempt(s, T0 + MIN + 10 * S, true, {}, before)).toEqual({ state: s, events: [] });
      expect(afterAttempt(s, T0 + MIN + 20 * S, true, {}, generationOf(s)).events).toEqual(['breaker.closed']);
    });

    it('a late success while open does not close the breaker or move its probe time', () => {
      const s = open();
      expect(afterAttempt(s, T0 + 10 * S, true, {}, before)).toEqual({ state: s, events: [] });
      // Whatever generation it names: an open breaker admits nobody.
      expect(afterAttempt(s, T0 + 10 * S, true, {}, generationOf(s))).toEqual({ state: s, events: [] });
    });

    it('a late failure while open is counted without extending the open period', () => {
      const s = open();
      expect(afterAttempt(s, T0 + 10 * S, false, {}, before)).toEqual({ state: { ...s, consecutiveFailures: 6 }, events: [] });
    });

    it('the outcome of a probe presumed lost and replaced does not decide: the new probe does', () => {
      const first = probing();
      const stale = DEFAULT_BREAKER_OPTIONS.staleProbeMs;
      const second = (beforeAttempt(first, T0 + MIN + stale) as { state: BreakerState }).state;
      const late = afterAttempt(second, T0 + MIN + stale + S, false, {}, generationOf(first));
      expect(late).toEqual({ state: { ...second, consecutiveFailures: 6 }, events: [] });
      expect(afterAttempt(second, T0 + MIN + stale + S, true, {}, generationOf(first))).toEqual({ state: second, events: [] });
      expect(afterAttempt(late.state, T0 + MIN + stale + 2 * S, true, {}, generationOf(second)).events).toEqual(['breaker.closed']);
    });

    it('after the breaker closed again, late failures from before do not count towards opening it', () => {
      const s = probing();
      const closed = afterAttempt(s, T0 + MIN, true, {}, generationOf(s)).state;
      for (let i = 0; i < 10; i++) expect(afterAttempt(closed, T0 + MIN + i, false, {}, before)).toEqual({ state: closed, events: [] });
      // Attempts admitted since the close count as ever: five failures open it again.
      const reopened = failTimes(closed, T0 + 2 * MIN, 5);
      expect(reopened.events).toEqual(['breaker.opened']);
      expect(reopened.state).toEqual(expect.objectContaining({ state: 'open', opens: 1, generation: generationOf(closed) + 1 }));
    });

    it('keeps the generation through successes and failures while closed, so a late outcome stays late', () => {
      const s = probing();
      const closed = afterAttempt(s, T0 + MIN, true, {}, generationOf(s)).state;
      const one = afterAttempt(closed, T0 + 2 * MIN, false).state;
      expect(one).toEqual({ ...closed, consecutiveFailures: 1, failingSince: T0 + 2 * MIN });
      expect(afterAttempt(one, T0 + 3 * MIN, true).state).toEqual(closed);
      expect(generationOf(closed)).toBeGreaterThan(before);
    });

    it('late failures still count towards disabling after 5 days of failure', () => {
      let s = open();
      s = { ...s, failingSince: T0 - 5 * DAY };
      const r = afterAttempt(s, T0 + 10 * S, false, {}, before);
      expect(r.events).toEqual(['subscription.disabled']);
      expect(r.state).toEqual({ ...s, consecutiveFailures: 6, disabledAt: T0 + 10 * S });
    });
  });

  it('keeps a serialisable state in every phase (JSON round trip, no undefined-valued keys)', () => {
    // toStrictEqual: toEqual would ignore a key holding undefined, which JSON drops, and Dates or
    // NaN would compare loosely; the stored state must read back exactly as it was written.
    const probing = (beforeAttempt(open(), T0 + MIN) as { state: BreakerState }).state;
    const reopened = afterAttempt(probing, T0 + MIN, false).state;
    const closed = afterAttempt(probing, T0 + MIN, true).state;
    const disabled = afterAttempt(failTimes(INITIAL_BREAKER_STATE, T0, 5).state, T0 + 5 * DAY, false).state;
    expect(disabled.disabledAt).toBe(T0 + 5 * DAY);
    for (const s of [failTimes(INITIAL_BREAKER_STATE, T0, 2).state, open(), probing, reopened, closed, disabled]) {
      expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
    }
  });

  /** A dead endpoint with deliveries always waiting: attempt whenever the breaker allows, every minute. */
  function simulate(from: BreakerState, start: number, until: number, succeedAt: number[] = []) {
    let s = from;
    const log: Array<{ at: number; events: BreakerEvent[] }> = [];
    for (let now = start; now <= until; now += MIN) {
      const gate = beforeAttempt(s, now);
      if (!gate.allow) continue;
      const r = afterAttempt(gate.state, now, succeedAt.includes(now));
      s = r.state;
      if (r.events.length > 0) log.push({ at: now, events: r.events });
    }
    return { state: s, disabled: log.filter((l) => l.events.includes('subscription.disabled')).map((l) => l.at) };
  }

  it('signals subscription.disabled once, after 5 days of continuous failure (within one open period)', () => {
    const { disabled, state } = simulate(INITIAL_BREAKER_STATE, T0, T0 + 7 * DAY);
    expect(disabled).toHaveLength(1);
    expect(disabled[0]! - T0).toBeGreaterThanOrEqual(5 * DAY);
    expect(disabled[0]! - T0).toBeLessThanOrEqual(5 * DAY + H);
    expect(state.disabledAt).toBe(disabled[0]);
  });

  it('does not disable when a success happened in between: the 5 days start again', () => {
    const first = simulate(INITIAL_BREAKER_STATE, T0, T0 + 4 * DAY);
    // The first probe after 4 days succeeds, then the endpoint keeps failing.
    const success = first.state.probeAt!;
    const probe = beforeAttempt(first.state, success) as { state: BreakerState };
    const closed = afterAttempt(probe.state, success, true).state;
    expect(closed).toEqual({ state: 'closed', consecutiveFailures: 0, generation: generationOf(probe.state) + 1 });
    const after = simulate(closed, success + MIN, T0 + 8 * DAY);
    expect(after.disabled).toEqual([]);
    const more = simulate(after.state, T0 + 8 * DAY + MIN, T0 + 10 * DAY);
    expect(more.disabled).toHaveLength(1);
    expect(more.disabled[0]! - (success + MIN)).toBeGreaterThanOrEqual(5 * DAY);
  });

  it('does not call two lone failures days apart continuous failure', () => {
    const one = afterAttempt(INITIAL_BREAKER_STATE, T0, false).state;
    expect(afterAttempt(one, T0 + 6 * DAY, false).events).toEqual([]);
  });

  it('takes its options', () => {
    const o = { failureThreshold: 2, openForMs: 10 * S, maxOpenForMs: 15 * S, disableAfterMs: MIN, staleProbeMs: 5 * S };
    const a = afterAttempt(afterAttempt(INITIAL_BREAKER_STATE, T0, false, o).state, T0, false, o);
    expect(a.state).toMatchObject({ state: 'open', probeAt: T0 + 10 * S });
    const probing = beforeAttempt(a.state, T0 + 10 * S, o);
    expect(beforeAttempt((probing as { state: BreakerState }).state, T0 + 12 * S, o)).toEqual({ allow: false, retryAt: T0 + 15 * S });
    const b = afterAttempt((probing as { state: BreakerState }).state, T0 + MIN, false, o);
    expect(b.events).toEqual(['breaker.opened', 'subscription.disabled']);
    expect(b.state.probeAt).toBe(T0 + MIN + 15 * S);
  });
});

describe('afterSuccessAt (a success confirmed after other outcomes were recorded)', () => {
  const failing: BreakerState = { state: 'closed', consecutiveFailures: 3, failingSince: T0, generation: 2 };
  it('ends a run of failures in its own closed generation that began before it', () => {
    expect(afterSuccessAt(failing, 2, T0)).toEqual({ state: 'closed', consecutiveFailures: 0, generation: 2 });
    expect(afterSuccessAt({ ...failing, generation: undefined }, 0, T0 + S)).toEqual({ state: 'closed', consecutiveFailures: 0 });
  });
  it('leaves a run that began after it, another generation, an open or half-open breaker, a clean one: the same object', () => {
    const cases: Array<[BreakerState, number, number]> = [
      [failing, 2, T0 - 1],
      [failing, 1, T0],
      [{ ...failing, state: 'open' }, 2, T0],
      [{ ...failing, state: 'half-open' }, 2, T0],
      [{ state: 'closed', consecutiveFailures: 0, generation: 2 }, 2, T0],
    ];
    for (const [state, generation, at] of cases) expect(afterSuccessAt(state, generation, at)).toBe(state);
  });
});

describe('failingAfter', () => {
  /** An attempt log from its statuses: 0 is an attempt without an answer (a timeout, a refused connection). */
  const log = (...statuses: number[]) => statuses.map((status) => (status === 0 ? { error: 'ECONNREFUSED' } : { status }));
  /** failingAfter after each attempt of the log, the log as it was then. */
  const after = (...statuses: number[]) => statuses.map((_, i) => failingAfter(log(...statuses.slice(0, i + 1))));

  it('is true after the 4th failed attempt of a delivery only', () => {
    expect(after(500, 0, 503, 429, 500, 500, 500, 500)).toEqual([false, false, false, true, false, false, false, false]);
  });

  it('counts failed attempts in a row, not attempts: a success before them does not count, and starts a new run', () => {
    // A delivered event sent again (POST /deliveries/{id}/retry) that now fails: its 4th failure in a row, not its 4th attempt.
    expect(after(204, 500, 500, 500, 500, 500)).toEqual([false, false, false, false, true, false]);
    // Failed 3 times, then delivered, then resent: the new run reaches 4 failures and is signalled.
    expect(after(500, 500, 500, 204, 500, 500, 500, 500, 500)).toEqual([false, false, false, false, false, false, false, true, false]);
    // Once per run: two runs of four, two signals.
    expect(after(500, 500, 500, 500, 200, 500, 500, 500, 500).filter(Boolean)).toHaveLength(2);
    // 3xx and 410 answers are failures too; only 2xx breaks a run.
    expect(after(301, 410, 404, 500)).toEqual([false, false, false, true]);
  });
});
