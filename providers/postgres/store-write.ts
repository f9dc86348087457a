import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { isDelete, type PutOptions, type Write } from '../../shared/ports/store';
import { expiryOf } from '../../shared/store/text-and-ttl';
import { hasNul, refuseNul, type StoreSql } from './store-sql';

/**
 * Writes of the PostgreSQL store: one statement per write, a batch in one transaction, and the
 * retries of both.
 *
 * Deadlocks and serialization failures are retried: the write then re-checks its conditions
 * against what the other transaction committed. Serialization failures also hit single
 * statements where the database or role defaults to REPEATABLE READ or SERIALIZABLE
 * (default_transaction_isolation): two ifAbsent puts of one key then fail instead of waiting.
 */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;
/**
 * A random pause before each retry, up to 4, 8, 16, 32 ms: racers that all failed together and
 * came back at once would fail together again. One still failing after that is contention (503,
 * errors.ts).
 */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** (attempt + 1)));

export async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has((e as { code?: string }).code ?? '')) throw e;
      await backoff(attempt);
    }
  }
}

type Queryable = Pick<Pool | PoolClient, 'query'>;

/** One write as one statement; true when its condition held and the row was written (a delete: always). */
export async function writeOne(db: Queryable, sql: StoreSql, w: Write, now: number): Promise<boolean> {
  refuseNul(w);
  if (isDelete(w)) {
    if (!hasNul(w.key)) await db.query(sql.delete, [w.key]); // unconditional: an absent key is no error
    return true;
  }
  const o: PutOptions = w.opts ?? {};
  if (o.ifAbsent && o.ifVersion !== undefined) return false; // no live item has a version
  const expiresAt = o.ttlSeconds === undefined ? null : expiryOf(now, o.ttlSeconds);
  // The caller's newVersion, else a random one, never a counter: a key deleted and re-created
  // must not reuse one.
  const row = [w.key, w.value, o.newVersion ?? randomUUID(), expiresAt];
  if (o.ifVersion !== undefined) return (await db.query(sql.ifVersion, [...row, now, o.ifVersion])).rowCount === 1;
  if (o.ifAbsent) return (await db.query(sql.ifAbsent, [...row, now])).rowCount === 1;
  return (await db.query(sql.upsert, row)).rowCount === 1;
}

/** A batch in one transaction: true when every write's condition held and all were committed. */
export async function transaction(pool: Pool, sql: StoreSql, batch: readonly Write[], now: number): Promise<boolean> {
  const client = await pool.connect();
  let broken: unknown;
  // The pool listens for errors only on idle clients: a checked-out client whose connection
  // the server ends (failover, pg_terminate_backend) emits 'error' with no listener, which
  // would end the process. The query under way rejects with the same error; keep it for
  // release, which then discards the connection.
  const onError = (e: unknown) => (broken ??= e);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    for (const w of batch) {
      if (!(await writeOne(client, sql, w, now))) {
        await client.query('ROLLBACK');
        return false;
      }
    }
    await client.query('COMMIT');
    return true;
  } catch (e) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
    throw e;
  } finally {
    client.removeListener('error', onError);
    client.release(broken instanceof Error ? broken : undefined);
  }
}
