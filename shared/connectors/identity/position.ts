import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors';
import type { Logger } from '../../ports/logger';
import { MAX_LIST_LIMIT, type StateStore, type Write } from '../../ports/store';
import type { SyncScope } from './events';
import { idOfKey, parseRecord, parseState, stateKey, type SyncState, userPrefix } from './snapshot';

/**
 * Another run of the same schedule wrote the position since this run last read or wrote it. The
 * scheduler claims each due time once, but a run is stopped by its deadline only between pages and
 * batches: one held up by a slow vendor page or store call is still writing when the next due
 * time's run starts. Whichever writes second stops, having written nothing over the other's work.
 */
export class PositionConflict extends AppError {
  constructor(scope: SyncScope) {
    super('sync_conflict', `Another run of ${scope.schedule} moved the identity sync position; the next run continues`, { status: 503, retryable: true });
  }
}

/**
 * The position of the current round and the store version this run last saw of it. Every write of
 * a run (the position itself, and each batch of user records beside it in one atomic putAll) is
 * conditional on that version and gives the position a new one chosen here, so a run overtaken by
 * another fails its next write with PositionConflict instead of moving the position back or
 * forward over the other's, or storing records older than the other's.
 */
export interface Position {
  readonly state: SyncState;
  /** The scope with the snapshot's generation: the keys of this run's records derive from it. */
  readonly scope: SyncScope;
  /** Saves `state` (with `writes`, all or none); throws PositionConflict when overtaken. */
  save(writes?: readonly Write[]): Promise<void>;
}

/**
 * Reads the position. A stored position that is not one this sync wrote starts the round again
 * with a warning: a relist is safe, as unchanged users yield no event. Its round count resumes at
 * the highest round of the snapshot's records, as when no position is stored (deleted by hand):
 * the sweep looks up users whose record carries an earlier round than the one in progress, so a
 * count restarted at 0 would skip deactivated users until the new count caught up.
 *
 * A position taken of another directory (the schedule's provider or org was changed) starts a new
 * snapshot, as a new schedule does, under keys of its own (the next generation), and the earlier
 * snapshot's prefix is kept in `retired` for deletion. Compared with the new directory, the earlier
 * snapshot would make the sweep look up each of its users there, find none, and report every one
 * of them deactivated. A position stored before directories were recorded takes the current one.
 */
export async function openPosition(store: StateStore, scope: SyncScope, logger: Logger): Promise<Position> {
  const key = stateKey(scope);
  const held = await store.get(key);
  let state = held && parseState(held.value);
  if (!state) {
    if (held) logger.warn('identity sync: stored position unreadable; starting the round again', { provider: scope.provider, schedule: scope.schedule, key });
    state = { round: await highestRound(store, scope), phase: 'list' };
  }
  if (scope.directory !== undefined && state.directory === undefined) state.directory = scope.directory;
  if (scope.directory !== undefined && state.directory !== scope.directory) {
    logger.warn('identity sync: the schedule reads another directory now; a new snapshot starts (every user is reported as created) and the earlier one is deleted', {
      provider: scope.provider, schedule: scope.schedule, before: state.directory, now: scope.directory,
    });
    const earlier = userPrefix({ ...scope, generation: state.generation });
    state = { round: 0, phase: 'list', directory: scope.directory, generation: (state.generation ?? 0) + 1, retired: [...(state.retired ?? []), earlier] };
  }
  const runScope: SyncScope = { ...scope, generation: state.generation };
  let version = held?.version;
  const current = state;

  const conflictOrFailure = async (): Promise<AppError> => {
    // putAll answers false for any condition that fails; the only condition here is the position's.
    const now = await store.get(key);
    if (now?.version !== version) return new PositionConflict(scope);
    return new AppError('identity_sync_store_failed', 'Identity sync: the state store refused a snapshot write', { status: 503, retryable: true });
  };

  return {
    state: current,
    scope: runScope,
    async save(writes = []) {
      const newVersion = randomUUID();
      const opts = { ...(version === undefined ? { ifAbsent: true } : { ifVersion: version }), newVersion };
      const value = JSON.stringify(current);
      const ok = writes.length === 0 ? await store.put(key, value, opts) : await store.putAll([...writes, { key, value, opts }]);
      if (!ok) throw await conflictOrFailure();
      version = newVersion;
    },
  };
}

/** The highest round among the snapshot's readable records (0 when none). */
async function highestRound(store: StateStore, scope: SyncScope): Promise<number> {
  let highest = 0;
  let after: string | undefined;
  do {
    const page = await store.list(userPrefix(scope), { after, limit: MAX_LIST_LIMIT });
    for (const item of page.items) {
      const id = idOfKey(scope, item.key);
      const record = id === undefined ? undefined : parseRecord(item.value, id);
      if (record) highest = Math.max(highest, record.round);
    }
    after = page.next;
  } while (after !== undefined);
  return highest;
}
