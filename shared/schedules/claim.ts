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

/**
 * What a schedule is due by, as stored with its claim. A time zone is part of it (other than UTC,
 * which claims stored before time zones existed were evaluated in, so they still match).
 */
const timingOf = (schedule: Pick<ScheduleConfig, 'cron' | 'everySeconds' | 'timezone'>): string => {
  if (schedule.cron === undefined) return `every:${schedule.everySeconds}`;
  const zone = schedule.timezone;
  return zone === undefined || zone === 'UTC' ? `cron:${schedule.cron}` : `cron:${schedule.cron} tz:${zone}`;
};

/**
 * The due time of the last claim, when it was claimed under the same timing. A claim made under
 * another cron expression or period says nothing about the new one: counted from it, the new
 * timing's due times since then would look missed, and editing `0 2 * * *` to `0 3 * * *` at noon
 * would run the job at once. The new timing starts as a new schedule does. A claim from before
 * timings were stored counts as the same timing.
 */
function lastDue(value: string | undefined, timing: string): number | undefined {
  const held = parsed(value);
  if (typeof held?.timing === 'string' && held.timing !== timing) return undefined;
  return dueOf(held);
}

/** A stored claim or run record; undefined when missing or unreadable. */
function parsed(value: string | undefined): { due?: unknown; timing?: unknown } | undefined {
  if (value === undefined) return undefined;
  try {
    return (JSON.parse(value) as { due?: unknown; timing?: unknown } | null) ?? undefined;
  } catch {
    return undefined;
  }
}

const dueOf = (held: { due?: unknown } | undefined): number | undefined =>
  (typeof held?.due === 'number' && Number.isFinite(held.due) ? held.due : undefined);

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

/**
 * Keeps the outcome of the latest run (for operators and GET /health/ready later). A slow run
 * finishing after a later one has been recorded leaves that record alone: the record only moves
 * forward in due time.
 */
export async function recordRun(store: StateStore, name: string, record: RunRecord): Promise<void> {
  const key = scheduleKeys.last(name);
  for (let i = 0; i < 5; i++) {
    const held = await store.get(key);
    const heldDue = dueOf(parsed(held?.value));
    if (heldDue !== undefined && heldDue > record.due) return;
    const written = held ? await store.put(key, JSON.stringify(record), { ifVersion: held.version }) : await store.put(key, JSON.stringify(record), { ifAbsent: true });
    if (written) return;
  }
}
