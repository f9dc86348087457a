import type { ScheduledHandler, Tick } from '../../shared/contracts';
import type { Sleep } from '../../shared/connectors/types';
import { DEFAULT_LEASE, failed, runSchedule, type ScheduleOutcome } from '../../shared/schedules';

export interface SchedulerOptions {
  /**
   * How long the jobs of one tick may take, from the tick's start. Below the one-minute timer
   * period so a tick's jobs end before the next tick claims the next due times, and below the
   * function timeout (60 s in serverless.yml) so a job is never cut off mid-write.
   */
  budgetMs: number;
  /**
   * Room left before the platform's end of the run (`tick.deadline`, from Lambda's remaining time)
   * when that comes before the budget's end, as after a long cold start: a job still writing at
   * the function timeout is cut off mid-write. Default 10 s, what the delivery sweep leaves after
   * its last request (DEADLINE_MARGIN_MS in shared/delivery/engine/sweep.ts).
   */
  deadlineMarginMs?: number;
  /**
   * A timer may fire a moment before the minute it stands for (the Azure timer does; clocks of
   * instances differ slightly): a due time up to this far after the tick still counts as due now,
   * instead of waiting a whole minute for the next tick.
   */
  earlyToleranceMs: number;
  /**
   * How far ahead of our clock the platform's scheduled time is believed (default 5 minutes, far
   * more than the clocks of instances differ). A time further ahead is not this tick's (a hand-made
   * event, a bad header): believing it would claim the due times up to it, so every schedule would
   * run early once and then stay idle until that time.
   */
  maxAheadMs?: number;
  /**
   * How long a run holds its schedule without renewal (default 2 minutes; renewed while it runs).
   * A run still going when its next due time comes holds that due time back until it ends; one
   * whose instance died holds it at most this long (shared/schedules/lease.ts).
   */
  leaseMs?: number;
  /** The timer between lease renewals; tests inject one. */
  sleep?: Sleep;
}

const DEFAULT_MAX_AHEAD_MS = 5 * 60_000;
const DEFAULT_DEADLINE_MARGIN_MS = 10_000;
export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = { budgetMs: 45_000, earlyToleranceMs: 2_000, maxAheadMs: DEFAULT_MAX_AHEAD_MS };

/** The time a tick stands for: the platform's when it is at most `maxAheadMs` later than our clock, else now (NaN too). */
function tickTime(scheduledAt: number, now: number, maxAheadMs: number): number {
  const ahead = scheduledAt - now;
  return Number.isFinite(ahead) && ahead > 0 && ahead <= maxAheadMs ? scheduledAt : now;
}

/** The jobs' deadline: the budget's end, or earlier, the margin before the platform ends the run. */
function deadlineOf(now: number, tick: Tick, options: SchedulerOptions): number {
  const budget = now + options.budgetMs;
  const platform = tick.deadline;
  if (platform === undefined || !Number.isFinite(platform)) return budget;
  return Math.min(budget, platform - (options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS));
}

/**
 * scheduler: the one platform timer (every minute on every cloud and locally) runs every
 * configured schedule that is due at this tick. Each due time is claimed in the state store first,
 * so overlapping ticks run it once, and a run still going holds its schedule until it ends, so a
 * slow run is not joined by the next due time's (shared/schedules/claim.ts). Schedules run
 * concurrently, each isolated: one that fails is reported with its error code and the others
 * still run. The report is ok when no schedule failed (a busy one has not failed).
 */
export function makeScheduler(options: SchedulerOptions = DEFAULT_SCHEDULER_OPTIONS): ScheduledHandler {
  return async (tick, deps) => {
    const now = deps.clock.now();
    // The platform's scheduled time when it is slightly later than our clock (instances' clocks
    // differ a little), else now: a tick delivered late (a retry) runs what is due now.
    const maxAheadMs = options.maxAheadMs ?? DEFAULT_MAX_AHEAD_MS;
    const at = tickTime(tick.scheduledAt, now, maxAheadMs) + options.earlyToleranceMs;
    if (tick.scheduledAt - now > maxAheadMs) deps.logger.warn('scheduler tick scheduled too far ahead of the clock; the clock is used', { tick: tick.name, scheduledAt: tick.scheduledAt });
    const deadline = deadlineOf(now, tick, options);
    const lease = { leaseMs: options.leaseMs ?? DEFAULT_LEASE.leaseMs, sleep: options.sleep ?? DEFAULT_LEASE.sleep };
    const entries = Object.entries(deps.config.schedules).sort(([a], [b]) => (a < b ? -1 : 1));
    const outcomes = await Promise.all(entries.map(([name, schedule]) => runSchedule(name, schedule, at, deadline, deps, lease)));
    const schedules: Record<string, ScheduleOutcome> = {};
    entries.forEach(([name], i) => void (schedules[name] = outcomes[i]!));
    const failures = entries.filter((_, i) => failed(outcomes[i]!)).map(([name]) => name);
    if (failures.length > 0) deps.logger.warn('scheduler tick had failures', { tick: tick.name, failed: failures });
    return { name: tick.name, ok: failures.length === 0, details: { at: new Date(now).toISOString(), schedules } };
  };
}

export const scheduler: ScheduledHandler = makeScheduler();
