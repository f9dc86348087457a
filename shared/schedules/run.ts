import type { ScheduleConfig } from '../config/sections/schedules';
import { realSleep } from '../connectors/sleep';
import { toAppError } from '../errors';
import type { Deps } from '../ports';
import { type Claim, claimDueRun, recordRun, writeLease } from './claim';
import { jobOf } from './jobs';
import { keepLease, type LeaseOptions } from './lease';

export const DEFAULT_LEASE: LeaseOptions = { leaseMs: 120_000, sleep: realSleep };

/** What happened to one configured schedule on one tick. */
export type ScheduleOutcome =
  | { status: 'disabled' }
  | { status: 'idle' }
  /** Another instance claimed this due time first (overlapping ticks). */
  | { status: 'taken'; due: string }
  /** The run of an earlier due time (`running`) is still going on: this one waits for it to end. */
  | { status: 'busy'; due: string; running: string }
  /** The state store failed while deciding or claiming: nothing ran; the next tick tries again. */
  | { status: 'error'; error: { code: string } }
  | { status: 'ran'; ok: true; due: string; missedSince?: string; durationMs: number; result?: Record<string, unknown> }
  | { status: 'ran'; ok: false; due: string; missedSince?: string; durationMs: number; error: { code: string; message?: string } };

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether an outcome counts as a failure in the tick report. */
export const failed = (o: ScheduleOutcome): boolean => o.status === 'error' || (o.status === 'ran' && !o.ok);

/**
 * Runs one schedule if it is due at `at`, no earlier run of it is still going on, and this caller
 * wins its claim; the claim's lease is renewed while the job runs and released when it ends
 * (./claim.ts). Never throws: a failing job becomes an outcome with its error code (logged here),
 * so other schedules are unaffected.
 */
export async function runSchedule(name: string, schedule: ScheduleConfig, at: number, deadline: number, deps: Deps, lease: LeaseOptions = DEFAULT_LEASE): Promise<ScheduleOutcome> {
  if (!schedule.enabled) return { status: 'disabled' };
  const log = deps.logger.child({ schedule: name });
  const started = deps.clock.now();
  let claim: Claim;
  try {
    claim = await claimDueRun(deps.store, name, schedule, at, started, lease.leaseMs);
  } catch (e) {
    const error = toAppError(e);
    log.error('schedule claim failed', { code: error.code, error: e });
    return { status: 'error', error: { code: error.code } };
  }
  if (claim.state === 'idle') return { status: 'idle' };
  const { due, missedSince } = claim.run;
  const timing = { due: iso(due), ...(missedSince === undefined ? {} : { missedSince: iso(missedSince) }) };
  if (claim.state === 'taken') return { status: 'taken', due: timing.due };
  if (claim.state === 'busy') {
    const running = iso(claim.running);
    log.warn('schedule still running its previous due time; this one waits for it to end', { due: timing.due, running });
    deps.metrics.count('schedule.busy', 1, { schedule: name });
    return { status: 'busy', due: timing.due, running };
  }
  if (missedSince !== undefined) log.warn('schedule missed due times; running once for all of them', timing);

  const held = claim.lease;
  const renewals = keepLease(deps.store, held, deps.clock, log, lease);
  let outcome: ScheduleOutcome;
  try {
    const result = await jobOf(schedule.job).run(schedule.job, { schedule: name, tenant: schedule.tenant, due, deadline }, deps);
    outcome = { status: 'ran', ok: true, ...timing, durationMs: deps.clock.now() - started, ...(result ? { result } : {}) };
    log.info('schedule ran', { ...timing, job: schedule.job.type, durationMs: outcome.durationMs, ...(result ?? {}) });
  } catch (e) {
    const error = toAppError(e);
    outcome = { status: 'ran', ok: false, ...timing, durationMs: deps.clock.now() - started, error: { code: error.code, ...(error.expose ? { message: error.message } : {}) } };
    log.error('schedule failed', { ...timing, job: schedule.job.type, code: error.code, error: e });
  }
  await renewals.stop();
  // Released at once, so the next due time need not wait for the lease to lapse. Not released
  // when another run claimed the schedule since (the write is conditional); a failed release
  // lapses by itself.
  await writeLease(deps.store, held, undefined).catch((e: unknown) => log.warn('could not release the schedule lease', { error: e }));
  deps.metrics.count('schedule.run', 1, { schedule: name, ok: String(outcome.ok) });
  if (deps.clock.now() > deadline) log.warn('schedule overran its time budget', { ...timing, durationMs: outcome.durationMs });
  await recordRun(deps.store, name, {
    due, ok: outcome.ok, finishedAt: deps.clock.now(), durationMs: outcome.durationMs, ...(outcome.ok ? {} : { code: outcome.error.code }),
  }).catch((e: unknown) => log.warn('could not record the schedule outcome', { error: e }));
  return outcome;
}
