import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/schema';
import { configuredDestination } from '../../config/destination';
import type { ServiceNowConfig } from '../../connectors/servicenow/config';
import { transportFor } from '../../connectors/servicenow/transport';
import { lookBack, parseCursor, type SyncCursor, syncTarget, updatedPage } from '../../connectors/servicenow/updated-since';
import { errors } from '../../errors';
import type { Deps } from '../../ports';
import type { ServiceNowSyncJob } from './servicenow-sync-config';
import { cursorOf, stoppedEarly } from './servicenow-sync-cursor';
import { type HeldTarget, readShared, settleShared, sharedKey, updateShared } from './servicenow-sync-shared';
import { recordKeys } from './servicenow-sync-target';
import { observe, type RecordScope } from './servicenow-sync-record';
import { deleteEarlierStates, without } from './servicenow-sync-retired';
import { takeSyncLease, type SyncLease } from './sync-lease';
import { keysOf } from './sync-target';
import type { JobContext, JobResult } from './types';

export { servicenowSyncJobSchema, type ServiceNowSyncJob } from './servicenow-sync-config';
export { TICKET_STATUS_CHANGED } from './servicenow-sync-record';
/**
 * How long a run holds its tenant's destination without renewal (renewed after every page): a run
 * whose instance died holds it no longer. Runs end by their deadline, plus one page's retries.
 */
const RUN_LEASE_SECONDS = 300;

function destinationOf(config: Pick<Config, 'destinations'>, name: string): ServiceNowConfig {
  const dest = configuredDestination(config, name);
  if (dest?.type !== 'servicenow') throw errors.config(`"${name}" is not a servicenow destination`, 'schedules');
  return dest as unknown as ServiceNowConfig;
}

/**
 * `servicenow-sync`: reads the records a `servicenow` destination made (correlation_display =
 * secorch) updated since the stored cursor, oldest first, and publishes
 * `secorch.ticket.status_changed` once per change of their `state`. The last state seen per record
 * and the cursor are kept in the state store; the cursor is saved after each page, so a run that
 * fails midway or meets its deadline resumes at that very record. A run that goes on from a
 * listing a run finished starts `lookbackSeconds` before the cursor to catch transactions that
 * committed late with an earlier sys_updated_on; re-read records whose state did not change emit
 * nothing. One run at a time reads a tenant's destination (sync-lease.ts): a run of another
 * schedule of the tenant due at the same time returns `busy: true` and reads at its next due
 * time. Event ids are stable per (record, update, state), so an event published again after a
 * crash before its state was recorded is deduplicated downstream. The cursor is
 * written only over the version this run read or wrote last, so a run that overlaps another
 * stops (a warning and `conflict: true` in its result) instead of moving the other's cursor back; a stored cursor that is not
 * one (a bad edit) restarts the listing with a warning, which re-reads but reports nothing twice.
 * The destination's records of every tenant are listed; a change is reported only to the schedule
 * of the tenant whose finding the record carries (record-finding.ts), with that finding's uid.
 * The states are shared by the tenant's schedules of the destination, and so is what they are of
 * (servicenow-sync-shared.ts: its invariant says why no change is reported falsely or lost): the
 * instance and table (servicenow-sync-target.ts, sync-target.ts), whether its first listing is
 * under way, and the earlier targets' states still to delete. A destination pointed at another
 * target lists it from its first record and records the states it finds there without reporting
 * them (a clone keeps its records' sys_ids, so states seen on the earlier instance say nothing
 * about its records); the per-record states are kept under keys of that target, and the earlier
 * target's are deleted after the listing. Each cursor names the target and the `epoch` (stay on
 * it) it was taken in: a schedule whose cursor is of another epoch lists the target from its
 * first record unless the epoch's first listing already ended there. A run whose epoch another
 * run ended (a move) stops at its next page, or before it reports a record it has no state for.
 * Without a shared record (an upgrade), the schedule's cursor says what the states are of, as it
 * did before, and whether a first listing was under way (`baseline`): a cursor stored
 * before targets were recorded is taken to be of the configured instance and table, and the
 * states of a cursor stored before they were keyed by target are read on under the keys from
 * before: an upgrade reports each change once and baselines nothing.
 */
export const servicenowSyncJob = {
  async run(job: ServiceNowSyncJob, ctx: JobContext, deps: Deps): Promise<JobResult> {
    const dest = destinationOf(deps.config, job.destination);
    const counts = { pages: 0, records: 0, emitted: 0, unknownFinding: 0, otherTenant: 0 };
    // The tenant's schedules of the destination share its record states: one run at a time (sync-lease.ts).
    const lease = await takeSyncLease(deps.store, `servicenow-sync-run:${ctx.tenant}:${job.destination}`, ctx.schedule, RUN_LEASE_SECONDS);
    if (!lease) {
      deps.logger.warn('servicenow-sync: another schedule of the tenant is reading the destination; this run leaves it to that one', { schedule: ctx.schedule, destination: job.destination });
      return { ...counts, busy: true };
    }
    try {
      return await listAndReport(job, dest, ctx, deps, lease, counts);
    } finally {
      await lease.release().catch((e: unknown) => deps.logger.warn('servicenow-sync: could not release the destination; it lapses by itself', { schedule: ctx.schedule, error: e }));
    }
  },
};

type Counts = { pages: number; records: number; emitted: number; unknownFinding: number; otherTenant: number };

async function listAndReport(job: ServiceNowSyncJob, dest: ServiceNowConfig, ctx: JobContext, deps: Deps, lease: SyncLease, counts: Counts): Promise<JobResult> {
  const t = transportFor(job.destination, dest, deps);
  const cursorKey = `servicenow-sync:${ctx.schedule}:cursor`;
  const saved = await deps.store.get(cursorKey);
  const stored = saved && parseCursor(saved.value);
  if (saved && !stored) deps.logger.warn('servicenow-sync: stored cursor unreadable; listing again from the first record', { schedule: ctx.schedule, key: cursorKey });
  const keys = recordKeys(ctx.tenant, job.destination);
  const targetKey = sharedKey(ctx.tenant, job.destination);
  const settled = await settleShared(deps.store, keys, targetKey, stored || undefined, syncTarget(dest.instanceUrl, dest.table));
  if (!settled) {
    deps.logger.warn('servicenow-sync: other runs of the tenant\'s schedules kept changing the destination\'s target state; this one stops', { schedule: ctx.schedule });
    return { ...counts, conflict: true };
  }
  if (settled.unreadable) deps.logger.warn('servicenow-sync: stored target state unreadable; written again', { schedule: ctx.schedule, key: targetKey });
  let held: HeldTarget = settled;
  /** Where the listing stands, as saved; `cursor` is where the next page is asked from (a look-back first). */
  let position = settled.position;
  /**
   * Whether the saved position is one a run stopped at before the end of the listing (its
   * deadline, an error): the next run goes on from that very record. Looking back from it
   * instead would start every run at the same place: with more records in the look-back window
   * than one run reads (a bulk update), no run would get past them. The look-back is for late
   * commits at the end of the listing, where a run that reached it starts; one cut short inside
   * the look-back window saves its place there, and the next goes on through it.
   */
  let unfinished = position !== undefined && saved !== undefined && stoppedEarly(saved.value);
  let cursor = position && (unfinished ? position : lookBack(position, job.lookbackSeconds));
  const kept = { target: held.shared.target, epoch: held.shared.epoch };
  // While the epoch's baseline is not complete, this listing runs from the target's first record (servicenow-sync-shared.ts).
  const scope: RecordScope = {
    prefix: keys.prefixOf(keysOf(held.shared)),
    baseline: held.shared.baseline === true,
    // Another schedule may move the states to another target while this run lists (and then
    // delete the states it reads), or end the epoch's baseline (after which a first sight past
    // New is a change): the shared record is read again before either would count.
    current: async () => {
      const now = await readShared(deps.store, targetKey);
      if (now?.shared.epoch !== kept.epoch) return false;
      held = now;
      if (now.shared.baseline === undefined) scope.baseline = false;
      return true;
    },
  };
  let version = saved?.version;
  /**
   * Whether the stored cursor says the epoch's baseline was under way: with the shared record
   * lost, the next run cannot tell otherwise whether the records past the cursor have states.
   */
  let flagged = stored?.epoch === kept.epoch && stored.baseline === true;
  /** False when another run moved the cursor since this one read or wrote it: this run stops. */
  const save = async (next: SyncCursor | undefined, early: boolean): Promise<boolean> => {
    // The new version is chosen here so that the next save is conditional on this write alone.
    const newVersion = randomUUID();
    const baseline = scope.baseline;
    const resume = early && next !== undefined;
    const value = JSON.stringify({ ...next, ...kept, ...(baseline ? { baseline } : {}), ...(resume ? { resume } : {}) });
    const ok = await deps.store.put(cursorKey, value, { ...(version === undefined ? { ifAbsent: true } : { ifVersion: version }), newVersion });
    if (ok) {
      version = newVersion;
      flagged = baseline;
      unfinished = resume;
    }
    return ok;
  };
  const overtaken = () => {
    // Overtaken by another run, which carries on from its own cursor: nothing failed. A
    // warning and `conflict: true`, as the identity sync reports it.
    deps.logger.warn('servicenow-sync: another run moved the cursor; this one stops', { schedule: ctx.schedule });
    return { ...counts, cursor: cursor?.on, conflict: true };
  };
  const movedOn = () => {
    // The states this run compares with are no longer the current target's: the next run
    // settles again (servicenow-sync-shared.ts).
    deps.logger.warn('servicenow-sync: another run of the tenant\'s schedules moved the destination\'s states to another target; this one stops', { schedule: ctx.schedule });
    return { ...counts, cursor: cursor?.on, conflict: true };
  };
  if (settled.before !== undefined) {
    deps.logger.warn('servicenow-sync: the destination names another instance or table now; listing it from the first record (states recorded, not reported, on first sight) and the earlier states are deleted', {
      schedule: ctx.schedule, before: settled.before, now: kept.target,
    });
  } else if (stored && stored.cursor && !position) {
    deps.logger.info('servicenow-sync: another schedule of the tenant moved the destination\'s states to this target since this cursor; listing it from the first record', { schedule: ctx.schedule });
  }
  // Saved at once in a new epoch: with no record there yet, the earlier cursor would otherwise
  // stay and every run would start over.
  if (stored?.epoch !== kept.epoch && !(await save(position, unfinished))) return overtaken();
  let end = false;
  do {
    const records = await updatedPage(t, dest.table, cursor, job.pageSize);
    // Read after the page: a run that moved the states away stops this one here, and a
    // baseline another run ended before this page was listed no longer withholds its first sights.
    if (!(await scope.current())) return movedOn();
    for (const r of records) {
      const outcome = await observe(r, { destination: job.destination, table: dest.table }, ctx, deps, scope);
      if (outcome === 'moved') return movedOn();
      if (outcome === 'emitted') counts.emitted++;
      if (outcome === 'unknown') counts.unknownFinding++;
      if (outcome === 'other') counts.otherTenant++;
    }
    counts.pages++;
    counts.records += records.length;
    end = records.length < job.pageSize;
    if (end && scope.baseline) {
      // A listing from the first record to the end: every record there has a state now, and
      // later first sights are reported. Before the cursor is saved, so that it no longer says so.
      const ended = await updateShared(deps.store, targetKey, held, (s) => without(s, 'baseline'));
      if (ended) {
        held = ended;
        scope.baseline = false;
      }
    }
    if (records.length > 0) cursor = position = cursorOf(t.name, records.at(-1)!);
    if ((records.length > 0 || flagged !== scope.baseline || unfinished !== !end) && !(await save(position, !end))) return overtaken();
    if (!end && !(await lease.renew())) return overtaken();
  } while (!end && deps.clock.now() < ctx.deadline);
  // After the listing: the new target's baseline goes first, the deletion takes what time is
  // left (servicenow-sync-retired.ts).
  if (end && held.shared.retired !== undefined) await deleteEarlierStates(ctx, deps, keys, targetKey, kept.epoch);
  return { ...counts, cursor: cursor?.on };
}
