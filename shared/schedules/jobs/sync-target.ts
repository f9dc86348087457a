import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { MAX_BATCH_WRITES, type StateStore } from '../../ports/store';

/**
 * What a sync's position is of (jira-sync: a site and project; servicenow-sync: an instance and
 * table), and where the last state seen per item of that target is kept. A position taken on
 * another target says nothing about this one: its cursor would skip items there, and its
 * per-item states would be compared with other items that carry the same ids (Jira counts issue
 * ids from 10000 on every site; a ServiceNow clone keeps its records' sys_ids). A sync on a new
 * target keeps its states under keys carrying a digest of the target, and deletes those of the
 * earlier target after its rounds. The job says which keys are which (TargetKeys).
 */
export interface TargetFields {
  /** The target of the position; unset in states stored before targets were recorded. */
  target?: string;
  /**
   * The per-item states are under the keys from before targets were recorded (no digest): an
   * upgraded schedule keeps reading them for the target it already read, so nothing is
   * baselined again.
   */
  legacy?: true;
  /** Key prefixes of earlier targets' states, deleted a batch at a time after rounds. */
  retired?: string[];
}

export const targetFieldsShape = {
  target: z.optional(z.string()),
  legacy: z.optional(z.literal(true)),
  retired: z.optional(z.array(z.string())),
};

/** Where one job keeps its per-item states. */
export interface TargetKeys {
  /** The prefix of the states kept under this digest (undefined: the keys without one). */
  prefixOf(digest: string | undefined): string;
  /**
   * Whether `key`, listed under `prefix`, is one of that prefix's states. Unset: every key under
   * it is. A job whose prefixes can cover other keys (a legacy layout where one name may begin
   * another) says which are its own, so nothing else is found or deleted.
   */
  owns?(prefix: string, key: string): boolean;
}

/** 64 bits of SHA-256: short in keys and ids; a collision among the few targets one schedule reads is out of reach. */
export const targetDigest = (target: string) => createHash('sha256').update(target).digest('hex').slice(0, 16);

/** The digest the states of `fields` are kept under (undefined: the keys without one). */
export const keysOf = (fields: TargetFields): string | undefined => (fields.legacy || fields.target === undefined ? undefined : targetDigest(fields.target));

export interface Settled {
  fields: TargetFields;
  /** The earlier target when the stored position is of another one: the position is dropped. */
  before?: string;
}

const PROBE_LIMIT = 100;

/** Whether any state is stored under `prefix` (paging past keys the job does not own). */
async function holds(store: StateStore, keys: TargetKeys, prefix: string): Promise<boolean> {
  let after: string | undefined;
  do {
    const page = await store.list(prefix, { limit: keys.owns ? PROBE_LIMIT : 1, ...(after === undefined ? {} : { after }) });
    if (page.items.some((i) => !keys.owns || keys.owns(prefix, i.key))) return true;
    if (!keys.owns) return false;
    after = page.next;
  } while (after !== undefined);
  return false;
}

/**
 * The target fields a run goes on with, from the stored ones (undefined when no readable state is
 * stored). A state without a target was stored before targets were recorded: it is taken to be of
 * the configured target, so an upgrade neither baselines again nor loses a change. Without a
 * state (a first run, a state deleted or unreadable) the per-item states are looked for where
 * they would be, so a restart still reports each change once: under this target's digest, else,
 * if any are there, under the keys from before targets were recorded.
 */
export async function settleTarget(store: StateStore, keys: TargetKeys, stored: TargetFields | undefined, target: string): Promise<Settled> {
  const prefixOf = (fields: TargetFields) => keys.prefixOf(keysOf(fields));
  if (stored === undefined) {
    const legacy = !(await holds(store, keys, prefixOf({ target }))) && (await holds(store, keys, prefixOf({ legacy: true })));
    return { fields: { target, ...(legacy ? { legacy: true } : {}) } };
  }
  const retired = stored.retired?.length ? stored.retired : undefined;
  if (stored.target === undefined || stored.target === target) {
    return { fields: { target, ...(stored.legacy || stored.target === undefined ? { legacy: true } : {}), ...(retired ? { retired } : {}) } };
  }
  // Back on a target whose states are still waiting for deletion: they are its own, so they stay.
  const fresh = prefixOf({ target });
  const left = [...(retired ?? []), prefixOf(stored)].filter((p) => p !== fresh);
  return { fields: { target, ...(left.length > 0 ? { retired: left } : {}) }, before: stored.target };
}

/**
 * Deletes the states under `retired`, a batch at a time, each batch in one write with the state
 * (`save`, false when another run overtook this one: nothing is deleted then). Only keys the job
 * owns (TargetKeys.owns) are deleted; the others are paged past. Stops when `stop` says so; the
 * rest waits for the next round's end. Returns the prefixes left, or false when overtaken.
 */
export async function deleteRetired(
  store: StateStore,
  keys: TargetKeys,
  retired: readonly string[],
  save: (retired: string[] | undefined, deletes: readonly string[]) => Promise<boolean>,
  stop: () => boolean,
): Promise<string[] | false> {
  let left = [...retired];
  let after: string | undefined;
  while (left.length > 0 && !stop()) {
    const prefix = left[0]!;
    // One write holds the state and at most MAX_BATCH_WRITES - 1 deletions.
    const page = await store.list(prefix, { limit: MAX_BATCH_WRITES - 1, ...(after === undefined ? {} : { after }) });
    const deletes = page.items.map((i) => i.key).filter((key) => !keys.owns || keys.owns(prefix, key));
    // Deleted keys are gone from the next listing; kept ones (not the job's) are paged past.
    after = keys.owns ? page.next : undefined;
    const done = keys.owns ? page.next === undefined : page.items.length === 0;
    if (done) left = left.slice(1);
    if (!(await save(left.length > 0 ? left : undefined, deletes))) return false;
  }
  return left;
}
