import type { Pool } from 'pg';
import { once } from '../common/once';
import type { StoreSql } from './store-sql';

/**
 * The PostgreSQL store's table and its expiry index, created at first use unless they exist; a
 * failure is retried at the next call (once). The look comes first because CREATE ... IF NOT
 * EXISTS checks privileges before existence: a role without CREATE on the schema (the default on
 * public since PostgreSQL 15) or not owning the table would fail on a table that is there.
 */
export function tableEnsurer(pool: Pool, sql: StoreSql): () => Promise<void> {
  return once(async (): Promise<void> => {
    const { rows } = await pool.query<{ table: boolean; index: boolean }>(sql.exists, [sql.table, sql.indexPath]);
    if (rows[0]?.table && rows[0].index) return;
    try {
      if (!rows[0]?.table) await pool.query(sql.createTable);
      await pool.query(sql.createIndex);
    } catch (e) {
      // Two processes creating the same table at once: one gets a unique violation on the
      // catalog (23505), "relation already exists" (42P07) or, for the table's row type, "type
      // already exists" (42710, duplicate_object); either way the table is there. A table made
      // beforehand without the index, by another role (42501 insufficient_privilege): the index
      // only speeds up garbage collection, which then scans the table.
      const code = (e as { code?: string }).code;
      if (code !== '23505' && code !== '42P07' && code !== '42710' && !(code === '42501' && rows[0]?.table)) throw e;
    }
  });
}
