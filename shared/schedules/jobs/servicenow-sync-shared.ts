import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { StoredCursor, SyncCursor } from '../../connectors/servicenow/updated-since';
import type { StateStore } from '../../ports/store';
import { keysOf, settleTarget, type TargetFields, targetFieldsShape, type TargetKeys } from './sync-target';

/**
 * What the per-record states of a tenant's `servicenow` destination are of. Every schedule of the
 * tenant that reads the destination shares those states (servicenow-sync-target.ts), so each
 * change is reported once, by whichever schedule reads it first; what they are of is shared too,
 * in one record per tenant and destination: the target (instance and table) whose states are
 * current, where they are kept (`legacy`), the earlier targets' states still to delete
 * (`retired`), and whether the first listing on the target is still under way (`baseline`).
 * `epoch` names one stay of the states on a target: a new one each time they move to another. A
 * schedule's cursor names the epoch it was taken in.
 *
 * Invariant (no false changes, no lost ones):
 * - A run compares records only with the states of the current target. A target's states are
 *   deleted only once it is no longer current, and each deletion is written together with the
 *   shared record, on the condition that it did not change since: a move back to that target
 *   changes it, so no state of the current target is ever deleted. A run that settled in an
 *   epoch reads the shared record again after each page, and before it reports a record it has
 *   no state for: the states may have moved on and been deleted since it began, and a move comes
 *   before any deletion, so its epoch still current after the state was read means none was.
 *   Once the epoch is another, the run stops.
 * - A record first seen past New is reported (`from: null`) only once the epoch's baseline is
 *   complete: a listing from the first record in this epoch reached the end, so every record
 *   there at that moment has a state. Until then first sights are recorded, not reported. A run
 *   listing as a baseline learns after each page that another's ended it, and reports from then.
 *   A cursor says whether the epoch's baseline was under way when it was saved, so a lost or
 *   unreadable shared record starts a baseline again rather than report records not yet seen.
 * - A schedule goes on from its cursor only in the epoch the cursor was taken in, or on the same
 *   target once the epoch's baseline is complete (each record past the cursor then has a state or
 *   is new since). Otherwise it lists the target from its first record, as a baseline while the
 *   epoch's is not complete; a schedule that reaches a target another already listed to the end
 *   reports what the other would.
 * So one schedule moving the states away and back cannot leave another reading a target whose
 * states it deleted (which reported unchanged records `from: null`), and one schedule's baseline
 * cannot swallow a change after another's had ended.
 */
export interface SharedTarget extends TargetFields {
  target: string;
  epoch: string;
  baseline?: true;
}

/** Tenants hold no `:`; the namespace is not `servicenow-sync:`, so no state or cursor prefix covers it. */
export const sharedKey = (tenant: string, destination: string) => `servicenow-sync-target:${tenant}:${destination}`;

const sharedSchema = z.object({
  ...targetFieldsShape,
  target: z.string(),
  epoch: z.string().check(z.minLength(1)),
  baseline: z.optional(z.literal(true)),
});

function parseShared(value: string): SharedTarget | undefined {
  try {
    const parsed = sharedSchema.safeParse(JSON.parse(value));
    return parsed.success ? (parsed.data as SharedTarget) : undefined;
  } catch {
    return undefined;
  }
}

export interface HeldTarget {
  shared: SharedTarget;
  /** Its version in the store: the condition of the next write. */
  version: string;
}

export async function readShared(store: StateStore, key: string): Promise<HeldTarget | undefined> {
  const held = await store.get(key);
  const shared = held && parseShared(held.value);
  return shared ? { shared, version: held.version } : undefined;
}

/**
 * The target fields a cursor stored before the shared record kept beside it: without `keyed`,
 * its states are under the keys without a target, whether or not it names its target.
 */
const legacyFields = (c: StoredCursor): TargetFields => ({
  ...(c.target === undefined ? {} : { target: c.target }), ...(c.keyed ? {} : { legacy: true }), ...(c.retired ? { retired: c.retired } : {}),
});

/**
 * States a schedule upgraded from a per-schedule target kept apart from the shared record's (the
 * earlier targets it was still deleting, and its own if elsewhere): retired with the others.
 */
function withLeftovers(shared: SharedTarget, keys: TargetKeys, legacy: TargetFields): SharedTarget {
  const current = keys.prefixOf(keysOf(shared));
  const retired = shared.retired ?? [];
  const add = [...(legacy.retired ?? []), keys.prefixOf(keysOf(legacy))].filter((p, i, all) => p !== current && !retired.includes(p) && all.indexOf(p) === i);
  return add.length === 0 ? shared : { ...shared, retired: [...retired, ...add] };
}

export interface Settled extends HeldTarget {
  /** The earlier target, when this run moved the states to the configured one. */
  before?: string;
  /** Where this schedule goes on from; unset: from the target's first record. */
  position?: SyncCursor;
  /** The shared record was not one this job wrote (a bad edit): it was written anew. */
  unreadable?: true;
}

const ATTEMPTS = 3;

/**
 * The shared record as this run goes on with it, written first when the configured target is
 * another (a move: a new epoch, a baseline), when there is none yet, or when an upgraded cursor
 * brings states to retire; and this schedule's position (see the invariant above). Without a
 * shared record, the schedule's cursor says what the states are of, as it did before they were
 * shared (sync-target.ts): an upgrade reports each change once and baselines nothing, and a
 * cursor taken while a baseline was under way starts one again. Undefined when other runs
 * changed the shared record under each attempt.
 */
export async function settleShared(store: StateStore, keys: TargetKeys, key: string, stored: StoredCursor | undefined, target: string): Promise<Settled | undefined> {
  const legacy = stored !== undefined && stored.epoch === undefined ? legacyFields(stored) : undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const held = await store.get(key);
    const current = held && parseShared(held.value);
    let next: SharedTarget;
    let before: string | undefined;
    /** The shared record is made from this schedule's upgraded cursor: the cursor is of its epoch. */
    let own = false;
    if (!current) {
      const settled = await settleTarget(store, keys, legacy, target);
      before = settled.before;
      own = legacy !== undefined && before === undefined;
      // A cursor of an epoch whose record is lost, taken on another target: a move all the same.
      const moved = before !== undefined || (stored?.epoch !== undefined && stored.target !== target);
      // A cursor that says its epoch's baseline was under way (an upgraded one, or one of an epoch
      // whose record is lost): the records past it may have no state yet, so it starts again.
      next = { ...settled.fields, target, epoch: randomUUID(), ...(moved || stored?.baseline ? { baseline: true } : {}) };
    } else if (current.target !== target) {
      next = { ...(await settleTarget(store, keys, current, target)).fields, target, epoch: randomUUID(), baseline: true };
      before = current.target;
    } else {
      next = current;
    }
    if (current && legacy) next = withLeftovers(next, keys, legacy);
    let version = held?.version;
    if (next !== current) {
      const newVersion = randomUUID();
      if (!(await store.put(key, JSON.stringify(next), { ...(held ? { ifVersion: held.version } : { ifAbsent: true }), newVersion }))) continue;
      version = newVersion;
    }
    const goesOn = stored?.cursor !== undefined && before === undefined
      && (own || stored.epoch === next.epoch || ((stored.target ?? target) === next.target && next.baseline === undefined));
    return {
      shared: next, version: version!, ...(before === undefined ? {} : { before }),
      ...(goesOn ? { position: stored.cursor } : {}), ...(held && !current ? { unreadable: true as const } : {}),
    };
  }
  return undefined;
}

/**
 * Writes `change` of the shared record while its epoch is `held`'s (re-reading it when another run
 * wrote it meanwhile). Undefined once the epoch is another: the states moved on, nothing is written.
 */
export async function updateShared(store: StateStore, key: string, held: HeldTarget, change: (s: SharedTarget) => SharedTarget): Promise<HeldTarget | undefined> {
  let at: HeldTarget | undefined = held;
  for (let attempt = 0; attempt < ATTEMPTS && at?.shared.epoch === held.shared.epoch; attempt++) {
    const shared = change(at.shared);
    const version = randomUUID();
    if (await store.put(key, JSON.stringify(shared), { ifVersion: at.version, newVersion: version })) return { shared, version };
    at = await readShared(store, key);
  }
  return undefined;
}
