import type { StateStore } from '../ports/store';
import { type DueRun, dueRun } from './due';
import type { ScheduleConfig } from '../config/sections/schedules';

/**
 * The state-store layout of schedules:
 *
 *   sch:{name}       { due, claimedAt, timing }: the due time last claimed (the claim itself),
 *                    and the cron expression or period it was due by
 *   schlast:{name}   { due, ok, finishedAt, durationMs, code? }: the outcome of the last run
 *
 * Two ticks may overlap (a late timer, Cloud Scheduler's retry, two regions sharing a store).
 * Both read `sch:{name}` with its version and compute the same due time; the claim is a write
 * conditioned on that version (ifAbsent the first time), so exactly one of them wins and runs it.
 * A claimed run whose instance dies is not run again (at most once per due time): the next due
 * time runs as usual.
 */
export const scheduleKeys = {
  claim: (name: string) => `sch:${name}`,
  last: (name: string) => `schlast:${name}`,
};

export type Claim =
  | { state: 'idle' }
  | { state: 'taken'; run: DueRun }
  | { state: 'claimed'; run: DueRun };

/** What a schedule is due by, as stored with its claim. */
const timingOf = (schedule: Pick<ScheduleConfig, 'cron' | 'everySeconds'>): string =>
  (schedule.cron !== undefined ? `cron:${schedule.cron}` : `every:${schedule.everySeconds}`);

/**
 * The due time of the last claim, when it was claimed under the same timing. A claim made under
 * another cron expression or period says nothing about the new one: counted from it, the new
 * timing's due times since then would look missed, and editing `0 2 * * *` to `0 3 * * *` at noon
 * would run the job at once. The new timing starts as a new schedule does. A claim from before
 * timings were stored counts as the same timing.
 */
function lastDue(value: string | undefined, timing: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    const held = JSON.parse(value) as { due?: unknown; timing?: unknown } | null;
    if (typeof held?.timing === 'string' && held.timing !== timing) return undefined;
    const due = held?.due;
    return typeof due === 'number' && Number.isFinite(due) ? due : undefined;
  } catch {
    return undefined;
  }
}

/** Decides whether `name` is due at `at` and, when it is, claims that due time for this caller. */
export async function claimDueRun(store: StateStore, name: string, schedule: ScheduleConfig, at: number, now: number): Promise<Claim> {
  const key = scheduleKeys.claim(name);
  const held = await store.get(key);
  const timing = timingOf(schedule);
  const run = dueRun(schedule, at, lastDue(held?.value, timing));
  if (!run) return { state: 'idle' };
  const won = await store.put(key, JSON.stringify({ due: run.due, claimedAt: now, timing }), held ? { ifVersion: held.version } : { ifAbsent: true });
  return { state: won ? 'claimed' : 'taken', run };
}

export interface RunRecord {
  due: number;
  ok: boolean;
  finishedAt: number;
  durationMs: number;
  code?: string;
}

/** Keeps the outcome of the last run (for operators and GET /health/ready later); never fails the run. */
export async function recordRun(store: StateStore, name: string, record: RunRecord): Promise<void> {
  await store.put(scheduleKeys.last(name), JSON.stringify(record));
}
