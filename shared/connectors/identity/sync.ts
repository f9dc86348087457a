import type { EventBus } from '../../ports/bus';
import type { Clock } from '../../ports/clock';
import type { Logger } from '../../ports/logger';
import { MAX_BATCH_WRITES, type StateStore } from '../../ports/store';
import { changeEvent, type SyncScope } from './events';
import { type ApplyContext, applyObservations } from './apply';
import { enrichPass } from './enrich';
import { openPosition, PositionConflict } from './position';
import { sweep } from './sweep';
import type { UserSource } from './types';

export interface SyncDeps {
  store: StateStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
}

export type SyncReport = {
  provider: string;
  /** Rounds completed so far, this run's included. */
  round: number;
  /** False when the deadline stopped the run; the next run resumes where this one stopped. */
  complete: boolean;
  pages: number;
  users: number;
  events: number;
  /** Set when this run stopped because another run of the schedule moved the position (position.ts). */
  conflict?: true;
};

type Ctx = ApplyContext & { deps: SyncDeps };

/**
 * One run of identity sync: continues the current round from its persisted position, page by
 * page. Each page is compared with the snapshot, its change events are published, then the
 * snapshot records and finally the next-page position are saved. A run that fails or meets its
 * deadline midway therefore repeats at most the page it was on, and that page's events carry
 * the same ids as before (events.ts). A full source's round ends with a sweep (sweep.ts), a delta
 * source's with an enrichment pass when it reads MFA or roles (enrich.ts). A run that another run
 * of the same schedule overtakes (runs overlapping past their deadline) stops at its next write
 * with a warning, having written nothing over the other's work; the report says `conflict`.
 */
export async function runSync(source: UserSource, asked: SyncScope, deadline: number, deps: SyncDeps): Promise<SyncReport> {
  const position = await openPosition(deps.store, asked, deps.logger);
  const { scope } = position;
  const report: SyncReport = { provider: scope.provider, round: position.state.round, complete: false, pages: 0, users: 0, events: 0 };
  const ctx: Ctx = { scope, round: position.state.round + 1, position, deps, event: changeEvent };
  try {
    return await rounds(source, ctx, report, () => deps.clock.now() >= deadline);
  } catch (e) {
    if (!(e instanceof PositionConflict)) throw e;
    deps.logger.warn('identity sync: another run of this schedule moved the position; this run stops', { provider: scope.provider, schedule: scope.schedule, events: report.events });
    return { ...report, conflict: true };
  }
}

async function rounds(source: UserSource, ctx: Ctx, report: SyncReport, stop: () => boolean): Promise<SyncReport> {
  const { deps, scope, round, position } = ctx;
  const { state } = position;
  if (state.phase === 'list') {
    if (!(await listing(source, ctx, report, stop))) return report;
    const then = source.mode === 'full' ? 'sweep' : source.enrichment ? 'enrich' : undefined;
    if (then) {
      Object.assign(state, { phase: then, next: undefined, sweepAfter: undefined });
      await position.save();
    }
  }
  if (state.phase === 'enrich' && source.enrichment) {
    const enriched = await enrichPass(source, ctx, stop);
    report.events += enriched.events;
    if (!enriched.complete) return report;
  }
  // Only a full source sweeps: a delta source has no lookup, and its records' rounds say nothing
  // about presence, so a stored sweep phase (the schedule's provider changed) must not mark every
  // user absent from the last delta as deleted.
  if (state.phase === 'sweep' && source.mode === 'full') {
    const swept = await sweep(source, ctx, stop);
    report.events += swept.events;
    if (!swept.complete) return report;
  }
  Object.assign(state, { round, phase: 'list', next: undefined, sweepAfter: undefined });
  await position.save();
  deps.logger.info('identity sync round complete', { provider: scope.provider, schedule: scope.schedule, round });
  await deleteRetired(ctx, stop);
  return { ...report, round, complete: true };
}

/**
 * Deletes the snapshots of directories the schedule no longer reads (position.ts), a batch at a
 * time with the position, after a completed round and while the run has time: the new directory's
 * first round goes first. What is left waits for the next round's end.
 */
async function deleteRetired(ctx: Ctx, stop: () => boolean): Promise<void> {
  const { deps, scope, position } = ctx;
  const { state } = position;
  while (state.retired !== undefined && state.retired.length > 0 && !stop()) {
    const [prefix, ...rest] = state.retired;
    const page = await deps.store.list(prefix!, { limit: MAX_BATCH_WRITES - 1 });
    if (page.items.length > 0) {
      await position.save(page.items.map((item) => ({ key: item.key, delete: true as const })));
      continue;
    }
    state.retired = rest.length > 0 ? rest : undefined;
    await position.save();
    deps.logger.info('identity sync: the snapshot of the earlier directory is deleted', { provider: scope.provider, schedule: scope.schedule, prefix });
  }
}

/** Runs in a row that may find a stored position yielding nothing before the round starts again. */
const MAX_STALLS = 3;

/**
 * The listing phase; true when it ended with the round's last page. A listing that ends without
 * one is cut short (the deadline, a vendor still preparing an export) and the next run resumes at
 * the stored position. Two endings would otherwise never finish the round: a listing with no page
 * at all from the start (nothing to list: the round ends, and a full source's sweep looks up the
 * users it holds), and a stored position that keeps yielding nothing before the deadline (the
 * round starts again after MAX_STALLS runs; reading it again reports nothing twice).
 */
async function listing(source: UserSource, ctx: Ctx, report: SyncReport, stop: () => boolean): Promise<boolean> {
  const { deps, scope, position } = ctx;
  const { state } = position;
  for (;;) {
    const resumed = state.next;
    let pages = 0;
    for await (const page of source.pages(state.next, state.deltaLink)) {
      report.events += await applyObservations(ctx, page.users);
      report.pages += 1;
      report.users += page.users.length;
      pages += 1;
      state.next = page.next;
      state.stalls = undefined;
      if (page.deltaLink !== undefined) state.deltaLink = page.deltaLink;
      await position.save();
      if (page.next === undefined) return true;
      if (stop()) return false;
    }
    if (pages > 0 || stop()) return false;
    if (resumed === undefined) {
      deps.logger.warn('identity sync: the source listed no page; the round ends with the users it holds', { provider: scope.provider, schedule: scope.schedule });
      return true;
    }
    state.stalls = (state.stalls ?? 0) + 1;
    if (state.stalls < MAX_STALLS) {
      await position.save();
      return false;
    }
    deps.logger.warn('identity sync: the listing yields nothing at its stored position; starting the round again', { provider: scope.provider, schedule: scope.schedule, runs: state.stalls });
    Object.assign(state, { next: undefined, stalls: undefined });
    await position.save();
  }
}
