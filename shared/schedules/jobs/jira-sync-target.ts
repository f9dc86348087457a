import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { JiraConfig } from '../../connectors/jira/config';
import { issuePrefix } from '../../connectors/jira/status-change';
import { MAX_BATCH_WRITES, type StateStore } from '../../ports/store';

/**
 * What a jira-sync position is of: the site and the project its JQL reads. A position taken on
 * another target says nothing about this one. Its cursor would skip the new project's issues
 * updated before it, whose first later change would then be reported `from: null`. Its statuses,
 * keyed by issue id, would be compared with other issues: ids count from 10000 on every site, so
 * 10001 on one site is a different issue from 10001 on another. A run on a new target therefore
 * starts as a first run does (a baseline round, nothing reported on first sight), keeps its
 * statuses under keys carrying a digest of the target, and deletes those of the earlier target
 * after its rounds.
 */
export interface TargetFields {
  /** targetOf() of the position; unset in states stored before targets were recorded. */
  target?: string;
  /**
   * The statuses are under the keys from before targets were recorded (no digest): an upgraded
   * schedule keeps reading them for the target it already read, so nothing is baselined again.
   */
  legacy?: true;
  /** Key prefixes of earlier targets' statuses, deleted a batch at a time after rounds. */
  retired?: string[];
}

export const targetFieldsShape = {
  target: z.optional(z.string()),
  legacy: z.optional(z.literal(true)),
  retired: z.optional(z.array(z.string())),
};

/**
 * The site (origin and any context path, without a trailing slash) and the project. Project keys
 * are upper case in Jira and matched regardless of case in JQL; a key and the same project's
 * numeric id are two targets, so switching between them costs one baseline round.
 */
export function targetOf(config: Pick<JiraConfig, 'baseUrl' | 'project'>): string {
  const url = new URL(config.baseUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')} project=${config.project.toUpperCase()}`;
}

/** 64 bits of SHA-256: short in keys and ids; a collision among the few targets one schedule reads is out of reach. */
export const targetDigest = (target: string) => createHash('sha256').update(target).digest('hex').slice(0, 16);

type Scope = { schedule: string; tenant: string };

/** The digest the statuses of `fields` are kept under (undefined: the keys without one). */
export const keysOf = (fields: TargetFields): string | undefined => (fields.legacy || fields.target === undefined ? undefined : targetDigest(fields.target));

export interface Settled {
  fields: TargetFields;
  /** The earlier target when the stored position is of another one: the position is dropped. */
  before?: string;
}

/**
 * The target fields a run goes on with, from the stored ones (undefined when no readable state is
 * stored). A state without a target was stored before targets were recorded: it is taken to be of
 * the configured target, so an upgrade neither baselines again nor loses a change. Without a
 * state (a first run, a state deleted or unreadable) the statuses are looked for where they would
 * be, so a restart still reports each change once: under this target's digest, else, if any are
 * there, under the keys from before targets were recorded.
 */
export async function settleTarget(store: StateStore, scope: Scope, stored: TargetFields | undefined, target: string): Promise<Settled> {
  const prefixOf = (fields: TargetFields) => issuePrefix({ ...scope, target: keysOf(fields) });
  if (stored === undefined) {
    const holds = async (fields: TargetFields) => (await store.list(prefixOf(fields), { limit: 1 })).items.length > 0;
    const legacy = !(await holds({ target })) && (await holds({ legacy: true }));
    return { fields: { target, ...(legacy ? { legacy: true } : {}) } };
  }
  const retired = stored.retired?.length ? stored.retired : undefined;
  if (stored.target === undefined || stored.target === target) {
    return { fields: { target, ...(stored.legacy || stored.target === undefined ? { legacy: true } : {}), ...(retired ? { retired } : {}) } };
  }
  // Back on a target whose statuses are still waiting for deletion: they are its own, so they stay.
  const fresh = prefixOf({ target });
  const left = [...(retired ?? []), prefixOf(stored)].filter((p) => p !== fresh);
  return { fields: { target, ...(left.length > 0 ? { retired: left } : {}) }, before: stored.target };
}

/**
 * Deletes the statuses under `retired`, a batch at a time, each batch in one write with the state
 * (`save`, false when another run overtook this one: nothing is deleted then). Stops when `stop`
 * says so; the rest waits for the next round's end. Returns the prefixes left, or false when
 * overtaken.
 */
export async function deleteRetired(
  store: StateStore,
  retired: readonly string[],
  save: (retired: string[] | undefined, deletes: readonly string[]) => Promise<boolean>,
  stop: () => boolean,
): Promise<string[] | false> {
  let left = [...retired];
  while (left.length > 0 && !stop()) {
    // One write holds the state and at most MAX_BATCH_WRITES - 1 deletions.
    const page = await store.list(left[0]!, { limit: MAX_BATCH_WRITES - 1 });
    if (page.items.length === 0) left = left.slice(1);
    if (!(await save(left.length > 0 ? left : undefined, page.items.map((i) => i.key)))) return false;
  }
  return left;
}
