import * as z from 'zod/mini';
import { MAX_BATCH_WRITES, type StateStore } from '../../ports/store';
import type { SyncScope } from './events';
import type { Position } from './position';
import type { SnapshotRecord } from './types';

/**
 * Where identity sync keeps its state in deps.store: one record per user under
 * `idsync:{tenant}:{schedule}:u:{user id}` and the position of the current round under
 * `idsync:{tenant}:{schedule}:state`. User ids are URI-encoded, so `:` in them cannot collide.
 * After the schedule's directory changed N times, its records live under
 * `idsync:{tenant}:{schedule}:gN:u:` (position.ts).
 *
 * Every stored value is validated when read: a value this sync did not write (a truncated write,
 * a manual edit, an older layout) must not stop the schedule for good with a parse error on every
 * run. What replaces an unreadable value is decided where it is read (position.ts, apply.ts).
 */
export interface SyncState {
  /** Rounds completed; records seen in this round carry `round === state.round + 1`. */
  round: number;
  phase: 'list' | 'sweep' | 'enrich';
  /** The next page of the current round's listing, persisted after each page. */
  next?: string;
  /** Graph: the delta link that starts the next round. */
  deltaLink?: string;
  /** Sweep or enrichment position (a store key), persisted after each batch. */
  sweepAfter?: string;
  /** Runs in a row whose listing, resumed at `next`, yielded no page before the deadline. */
  stalls?: number;
  /** The directory the snapshot is of (SyncScope.directory); unset in positions stored before it was kept. */
  directory?: string;
  /** The snapshot's generation: how many times the directory changed. */
  generation?: number;
  /** Key prefixes of the snapshots of earlier directories, deleted batch by batch after rounds. */
  retired?: string[];
}

const prefix = (s: SyncScope) => `idsync:${s.tenant}:${s.schedule}:`;
export const userPrefix = (s: SyncScope) => `${prefix(s)}${s.generation ? `g${s.generation}:` : ''}u:`;
const userKey = (s: SyncScope, id: string) => `${userPrefix(s)}${encodeURIComponent(id)}`;
export const stateKey = (s: SyncScope) => `${prefix(s)}state`;

/** The user id of a record key, or undefined for a key this sync did not make. */
export function idOfKey(s: SyncScope, key: string): string | undefined {
  try {
    return key.startsWith(userPrefix(s)) ? decodeURIComponent(key.slice(userPrefix(s).length)) : undefined;
  } catch {
    return undefined;
  }
}

const count = z.number().check(z.int(), z.gte(0));
const stateSchema = z.object({
  round: count,
  phase: z.enum(['list', 'sweep', 'enrich']),
  next: z.optional(z.string()),
  deltaLink: z.optional(z.string()),
  sweepAfter: z.optional(z.string()),
  stalls: z.optional(count),
  directory: z.optional(z.string()),
  generation: z.optional(count),
  retired: z.optional(z.array(z.string())),
});
const recordSchema = z.object({
  id: z.string(),
  email: z.optional(z.string()),
  name: z.optional(z.string()),
  status: z.string(),
  active: z.boolean(),
  mfaFactors: z.optional(count),
  adminRoles: z.optional(z.array(z.string())),
  v: z.number().check(z.int(), z.positive()),
  round: count,
});

function parseWith<T>(schema: z.ZodMiniType<T>, value: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The stored position, or undefined when the value is not one this sync wrote. */
export const parseState = (value: string): SyncState | undefined => parseWith(stateSchema, value);

/** The record of user `id`, or undefined when the value is not one this sync wrote for that user. */
export function parseRecord(value: string, id: string): SnapshotRecord | undefined {
  const record = parseWith(recordSchema, value);
  return record?.id === id ? record : undefined;
}

/** Parallel reads per batch: enough to hide store latency, few enough not to trip its limits. */
const READ_CONCURRENCY = 25;

export interface LoadedRecords {
  records: Map<string, SnapshotRecord>;
  /** Users whose key holds a value that is not a record: known to the snapshot, state unknown. */
  unreadable: Set<string>;
}

export async function loadRecords(store: StateStore, s: SyncScope, ids: readonly string[]): Promise<LoadedRecords> {
  const loaded: LoadedRecords = { records: new Map(), unreadable: new Set() };
  for (let i = 0; i < ids.length; i += READ_CONCURRENCY) {
    const batch = ids.slice(i, i + READ_CONCURRENCY);
    const items = await Promise.all(batch.map((id) => store.get(userKey(s, id))));
    items.forEach((item, j) => {
      if (!item) return;
      const id = batch[j]!;
      const record = parseRecord(item.value, id);
      if (record) loaded.records.set(id, record);
      else loaded.unreadable.add(id);
    });
  }
  return loaded;
}

/**
 * Writes records in atomic batches, each with the position (the store's putAll takes 25 writes:
 * 24 records and the position). The position's write is conditional on its version, so a run that
 * another run of the schedule has overtaken writes none of its (older) records over the other's.
 */
export async function saveRecords(position: Position, s: SyncScope, records: readonly SnapshotRecord[]): Promise<void> {
  const size = MAX_BATCH_WRITES - 1;
  for (let i = 0; i < records.length; i += size) {
    await position.save(records.slice(i, i + size).map((r) => ({ key: userKey(s, r.id), value: JSON.stringify(r) })));
  }
}
