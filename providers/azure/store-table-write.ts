import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { PutOptions } from '../../shared/ports/store';
import { checkTransaction, type Entity, type Head, PARTITION, type Planned, toHead } from './store-table-layout';
import { live, readEntity, status, tableGone } from './store-table-parts';

/**
 * The conditional-write machinery of the Azure Table store: read a head's version, expiry and
 * parts pointer (never its value), decide the condition on it, write with its ETag, and decide
 * again after a lost race.
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
