import { randomUUID } from 'node:crypto';
import type { Deps } from '../../ports';
import { type HeldTarget, readShared } from './servicenow-sync-shared';
import { deleteRetired, type TargetKeys } from './sync-target';
import type { JobContext } from './types';

export const without = <T extends object, K extends keyof T>(o: T, k: K): Omit<T, K> => {
  const { [k]: _, ...rest } = o;
  return rest;
};

/**
 * Deletes the states of the earlier targets (`retired` in the shared record of `targetKey`) once a
 * listing of `epoch` ended, with what time is left before the run's deadline. The shared record
 * is read again: another schedule may have deleted some since.
 */
export async function deleteEarlierStates(ctx: JobContext, deps: Deps, keys: TargetKeys, targetKey: string, epoch: string): Promise<void> {
  const fresh = await readShared(deps.store, targetKey);
  if (fresh?.shared.epoch !== epoch || fresh.shared.retired === undefined) return;
  let held: HeldTarget = fresh;
  // Each batch is written with the shared record, on the condition that no other run changed
  // it: one that moved the states back to a target being deleted stops the deletion there.
  const left = await deleteRetired(deps.store, keys, fresh.shared.retired, async (retired, deletes) => {
    const next = { ...without(held.shared, 'retired'), ...(retired ? { retired } : {}) };
    const newVersion = randomUUID();
    const ok = await deps.store.putAll([
      { key: targetKey, value: JSON.stringify(next), opts: { ifVersion: held.version, newVersion } }, ...deletes.map((key) => ({ key, delete: true as const })),
    ]);
    if (ok) held = { shared: next, version: newVersion };
    return ok;
  }, () => deps.clock.now() >= ctx.deadline);
  if (left === false) deps.logger.info('servicenow-sync: another run changed the destination\'s target state; the deletion of earlier states waits for a later run', { schedule: ctx.schedule });
  else if (left.length === 0) deps.logger.info('servicenow-sync: the states of the earlier instance or table are deleted', { schedule: ctx.schedule });
}
