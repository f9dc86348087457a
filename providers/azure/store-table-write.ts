import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { PutOptions } from '../../shared/ports/store';
import { checkTransaction, type Entity, type Head, layOut, PARTITION, type PartsRef, plan, type Planned, rowKey, toHead } from './store-table-layout';
import { dropParts, live, readEntity, status, tableGone } from './store-table-parts';
import { earlierTryMayHaveApplied } from './store-table-resend';
import { TableOutcomeUnknown } from './unavailable';

/**
 * put of the Azure Table store, and the conditional-write machinery it shares with putAll
 * (store-table-batch.ts): read a head's version, expiry and parts pointer (never its value),
 * decide the condition on it, write with its ETag, and decide again after a lost race.
 */
export interface Row { etag: string; head: Head }

const ATTEMPTS = 6;
/** What a condition needs of a head: never the value bytes. */
const HEAD_META = ['version', 'expiresAt', 'partsId', 'parts', 'chars'];

/** The entity changed, appeared or went since it was read; never a missing or deleted table (tableGone). */
export const lostRace = (e: unknown) => !tableGone(e) && (status(e) === 404 || status(e) === 409 || status(e) === 412);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The head's version, expiry and parts pointer, with its ETag; undefined when there is none. */
export async function readHead(client: TableClient, row: string): Promise<Row | undefined> {
  const found = await readEntity(client, row, HEAD_META);
  return found && { etag: found.etag, head: toHead(found.entity) };
}

/** Whether a write's condition holds against the current row; contradictory options never hold. */
export function holds(opts: PutOptions, row: Row | undefined, now: number): boolean {
  if (opts.ifAbsent && opts.ifVersion !== undefined) return false;
  const current = row && live(row.head, now) ? row.head : undefined;
  if (opts.ifAbsent) return !current;
  return opts.ifVersion === undefined || current?.version === opts.ifVersion;
}
export const conditional = (opts: PutOptions = {}) => Boolean(opts.ifAbsent) || opts.ifVersion !== undefined;

/**
 * Whether the head is one an earlier try of this same write put there: the SDK resends a request
 * whose answer was lost (a reset connection, a timeout after the service wrote), and the resend
 * fails its condition (409 on create, 412 on the ETag) on the entity it wrote itself. Every write
 * has its own version, so finding one of ours means the write was applied.
 */
export const ownWrite = (row: Row | undefined, tried: ReadonlySet<string>): boolean => row !== undefined && tried.has(row.head.version);

/**
 * A conditional commit's failure: 'lost' for a lost race (decide again), noting in `unsure` one
 * the SDK had resent after a try that may have been applied (no answer, or a 500; not a 503
 * ServerBusy or 429, which the service refused: store-table-resend.ts); any other error is thrown.
 */
export function lostOrThrow(e: unknown, unsure: { cause?: unknown }): 'lost' {
  if (!lostRace(e)) throw e;
  if (earlierTryMayHaveApplied(e)) unsure.cause ??= e;
  return 'lost';
}

/**
 * After a resent commit lost its race, a head that is not ours may have replaced ours (another
 * writer came between the first send and our re-read): neither true nor false can be answered,
 * so the write fails with 503 store_unavailable (commit outcome unknown), as Firestore's does.
 */
export function checkSure(unsure: { cause?: unknown }): void {
  if (unsure.cause !== undefined) throw new TableOutcomeUnknown({ cause: unsure.cause });
}

/** Runs `attempt` until it decides; a lost race (409/412/404 on a conditional write) decides again. */
export async function decide(key: string, attempt: (n: number) => Promise<boolean | 'lost'>): Promise<boolean> {
  for (let n = 0; n < ATTEMPTS; n++) {
    const result = await attempt(n);
    if (result !== 'lost') return result;
    if (n > 0) await sleep(Math.random() * 5 * 2 ** n); // the first retry only re-reads: no wait
  }
  throw new Error(`tableStore: gave up after ${ATTEMPTS} conflicting writes (first key ${JSON.stringify(key.slice(0, 80))})`);
}

/** The parts of a write go with its head, as upserts: a fresh partsId names no existing entity. */
export const partActions = (parts: readonly Entity[]): TransactionAction[] => parts.map((p) => ['upsert', p, 'Replace']);

/**
 * One put's write: the single-entity call this store always made for an inline value, or an
 * entity group transaction of the head and its parts for a split one. `conditional` creates the
 * head when `row` is undefined, else replaces it only if its ETag still matches.
 */
export async function commit(client: TableClient, { head, parts }: Planned, row: Row | undefined, mode: 'upsert' | 'conditional'): Promise<void> {
  if (parts.length === 0) {
    if (mode === 'upsert') await client.upsertEntity(head, 'Replace');
    else await (row ? client.updateEntity(head, 'Replace', { etag: row.etag }) : client.createEntity(head));
    return;
  }
  checkTransaction([head, ...parts]);
  const action: TransactionAction = mode === 'upsert' ? ['upsert', head, 'Replace'] : row ? ['update', head, 'Replace', { etag: row.etag }] : ['create', head];
  await client.submitTransaction([action, ...partActions(parts)]);
}

/** Deletes a tombstone putAll wrote, only if it is still that tombstone (its ETag). */
export async function removeTombstone(client: TableClient, row: string, etag: string | undefined): Promise<void> {
  if (!etag) return; // no ETag in the sub-response: left to sweepExpired
  try {
    await client.deleteEntity(PARTITION, row, { etag: etag.trim() });
  } catch {
    // Rewritten (412) or gone (404) since: nothing to do. Other failures: sweepExpired removes it.
  }
}

/**
 * One put. An unconditional one reads the head it replaces (for its parts) and upserts; a
 * conditional one decides its condition on the current head and writes with its ETag, deciding
 * again after a lost race. The parts of the value it replaced are removed after the write.
 */
export async function putOne(load: () => Promise<TableClient>, key: string, value: string, options: PutOptions, now: () => number): Promise<boolean> {
  const row = rowKey(key);
  const layout = layOut(key, value);
  const client = await load();
  let replaced: PartsRef | undefined;
  const tried = new Set<string>();
  const unsure: { cause?: unknown } = {};
  const written = await decide(key, async (n) => {
    const at = now();
    const planned = plan(key, layout, options, at);
    if (!conditional(options)) {
      const before = await readHead(client, row);
      await commit(client, planned, undefined, 'upsert');
      replaced = before?.head.split;
      return true;
    }
    // ifAbsent tries the create first: the common case (a new idempotency key) is one call.
    // A create that succeeds replaced nothing, so it has no parts to remove.
    const current = options.ifAbsent && n === 0 && options.ifVersion === undefined ? undefined : await readHead(client, row);
    if (ownWrite(current, tried)) return true;
    checkSure(unsure);
    tried.add(planned.head.version as string);
    if (!holds(options, current, at)) return false;
    try {
      await commit(client, planned, current, 'conditional');
      replaced = current?.head.split;
      return true;
    } catch (e) {
      return lostOrThrow(e, unsure);
    }
  });
  if (replaced) await dropParts(client, [replaced]);
  return written;
}
