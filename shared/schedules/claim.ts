import type { StateStore } from '../ports/store';
import { type DueRun, dueRun } from './due';
import type { ScheduleConfig } from '../config/sections/schedules';

/**
 * The state-store layout of schedules:
 *
 *   sch:{name}       { due, claimedAt }: the due time last claimed (the claim itself)
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

function lastDue(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    const due = (JSON.parse(value) as { due?: unknown } | null)?.due;
    return typeof due === 'number' && Number.isFinite(due) ? due : undefined;
  } catch {
    return undefined;
  }
}

/** Decides whether `name` is due at `at` and, when it is, claims that due time for this caller. */
export async function claimDueRun(store: StateStore, name: string, schedule: ScheduleConfig, at: number, now: number): Promise<Claim> {
  const key = scheduleKeys.claim(name);
  const held = await store.get(key);
  const run = dueRun(schedule, at, lastDue(held?.value));
  if (!run) return { state: 'idle' };
  const won = await store.put(key, JSON.stringify({ due: run.due, claimedAt: now }), held ? { ifVersion: held.version } : { ifAbsent: true });
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
