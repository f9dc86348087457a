import { randomUUID } from 'node:crypto';
import type { StateStore } from '../ports/store';
import { type DueRun, dueRun } from './due';
import type { ScheduleConfig } from '../config/sections/schedules';

/**
 * The state-store layout of schedules:
 *
 *   sch:{name}       { due, claimedAt, timing, until? }: the due time last claimed (the claim
 *                    itself), the cron expression or period it was due by, and while its run goes
 *                    on, the end of that run's lease
 *   schlast:{name}   { due, ok, finishedAt, durationMs, code? }: the outcome of the last run
 *
 * Two ticks may overlap (a late timer, Cloud Scheduler's retry, two regions sharing a store).
 * Both read `sch:{name}` with its version and compute the same due time; the claim is a write
 * conditioned on that version (ifAbsent the first time), so exactly one of them wins and runs it.
 *
 * A run can outlast the period (a vendor answering slowly, each call retried), so the next due
 * time can come while it goes on. It is not started beside it: two runs of one sync would page
 * the same vendor twice and the slower one would record statuses older than the faster one's.
 * The claim is the run's lease: `until` is renewed while the run goes on (./lease.ts) and
 * removed when it ends; a due time that comes meanwhile is left unclaimed (`busy`), and the
 * first tick after the run ends runs once for it (reported as missed). A claimed run whose
 * instance dies is not run again (at most once per due time): its lease lapses and the next due
 * time runs as usual.
 */
export const scheduleKeys = {
  claim: (name: string) => `sch:${name}`,
  last: (name: string) => `schlast:${name}`,
};

/** A claim this caller won: its stored record and the version it was last written with. */
export interface RunLease {
  key: string;
  record: ClaimRecord;
  version: string;
}

interface ClaimRecord {
  due: number;
  claimedAt: number;
  timing: string;
  /** Epoch ms: while later than the clock, the run of `due` is going on. */
  until?: number;
}

export type Claim =
  | { state: 'idle' }
  | { state: 'taken'; run: DueRun }
  /** The run of `running` (a due time) still holds its lease: `run` is not started beside it. */
  | { state: 'busy'; run: DueRun; running: number }
  | { state: 'claimed'; run: DueRun; lease: RunLease };

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
function lastDue(held: StoredClaim | undefined, timing: string): number | undefined {
  if (typeof held?.timing === 'string' && held.timing !== timing) return undefined;
  return dueOf(held);
}

type StoredClaim = { due?: unknown; timing?: unknown; until?: unknown };

/** A stored claim or run record; undefined when missing or unreadable. */
function parsed(value: string | undefined): StoredClaim | undefined {
  if (value === undefined) return undefined;
  try {
    return (JSON.parse(value) as StoredClaim | null) ?? undefined;
  } catch {
    return undefined;
  }
}

const dueOf = (held: { due?: unknown } | undefined): number | undefined =>
  (typeof held?.due === 'number' && Number.isFinite(held.due) ? held.due : undefined);

/**
 * Decides whether `name` is due at `at` and, when it is and no run of it holds a lease, claims
 * that due time for this caller with a lease of `leaseMs`. A claim stored without a lease (before
 * leases existed, or by a run that ended) holds nothing.
 */
export async function claimDueRun(store: StateStore, name: string, schedule: ScheduleConfig, at: number, now: number, leaseMs: number): Promise<Claim> {
  const key = scheduleKeys.claim(name);
  const held = await store.get(key);
  const stored = parsed(held?.value);
  const timing = timingOf(schedule);
  const run = dueRun(schedule, at, lastDue(stored, timing));
  if (!run) return { state: 'idle' };
  // Whatever timing it was claimed under: a run started before an edit of the cron still goes on.
  const running = dueOf(stored);
  if (running !== undefined && typeof stored?.until === 'number' && stored.until > now) return { state: 'busy', run, running };
  const record: ClaimRecord = { due: run.due, claimedAt: now, timing, until: now + leaseMs };
  const version = randomUUID();
  const won = await store.put(key, JSON.stringify(record), { ...(held ? { ifVersion: held.version } : { ifAbsent: true }), newVersion: version });
  return won ? { state: 'claimed', run, lease: { key, record, version } } : { state: 'taken', run };
}

/**
 * Writes the lease's record with `until` (renewed) or without it (released), only over the version
 * this run wrote last: false when the lease lapsed and another run claimed the schedule since,
 * whose claim must not be overwritten.
 */
export async function writeLease(store: StateStore, lease: RunLease, until: number | undefined): Promise<boolean> {
  const { due, claimedAt, timing } = lease.record;
  const record: ClaimRecord = { due, claimedAt, timing, ...(until === undefined ? {} : { until }) };
  const version = randomUUID();
  if (!(await store.put(lease.key, JSON.stringify(record), { ifVersion: lease.version, newVersion: version }))) return false;
  lease.record = record;
  lease.version = version;
  return true;
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
