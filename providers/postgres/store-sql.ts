import { isDelete, type StoredItem, type Write } from '../../shared/ports/store';

/**
 * The SQL text of the PostgreSQL store (store.ts) and the decoding of its rows. The table name,
 * checked against TABLE_NAME and double-quoted, is the only caller's text spliced into a
 * statement; keys, values and times are always parameters.
 */
const TABLE_NAME = /^(?:[a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;
const live = (now: string) => `(expires_at IS NULL OR expires_at > ${now})`;
const GC_BATCH = 500;
const quote = (table: string) => table.split('.').map((part) => `"${part}"`).join('.');

export type Row = { key: string; value: string; version: string; expires_at: string | null };
export type StoreSql = ReturnType<typeof storeSql>;

/** Every statement of a store on `table`; a RangeError for a name TABLE_NAME refuses. */
export function storeSql(table: string) {
  if (!TABLE_NAME.test(table)) throw new RangeError(`postgresStore: invalid table name "${table}"`);
  const t = quote(table);
  const index = quote(`${table.replace(/.*\./, '')}_expires_at`);
  // An index lives in its table's schema: the name to look it up by.
  const indexPath = table.includes('.') ? `${quote(table.replace(/\..*/, ''))}.${index}` : index;

  // Parameters: $1 key, $2 value, $3 version, $4 expires_at, $5 now, $6 expected version.
  const cols = `INSERT INTO ${t} (key, value, version, expires_at) VALUES ($1, $2, $3, $4)`;
  const set = 'SET value = EXCLUDED.value, version = EXCLUDED.version, expires_at = EXCLUDED.expires_at';
  return {
    /** The quoted table and index names, parameters of `exists`. */
    table: t,
    indexPath,
    exists: 'SELECT to_regclass($1) IS NOT NULL AS table, to_regclass($2) IS NOT NULL AS index',
    createTable: `CREATE TABLE IF NOT EXISTS ${t} (
          key text COLLATE "C" PRIMARY KEY, value text NOT NULL, version text NOT NULL, expires_at bigint)`,
    createIndex: `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (expires_at) WHERE expires_at IS NOT NULL`,
    check: `SELECT 1 FROM ${t} LIMIT 1`,
    get: `SELECT value, version, expires_at FROM ${t} WHERE key = $1 AND ${live('$2')}`,
    upsert: `${cols} ON CONFLICT (key) DO UPDATE ${set}`,
    ifAbsent: `${cols} ON CONFLICT (key) DO UPDATE ${set} WHERE ${t}.expires_at IS NOT NULL AND ${t}.expires_at <= $5`,
    ifVersion: `UPDATE ${t} SET value = $2, version = $3, expires_at = $4 WHERE key = $1 AND ${live('$5')} AND version = $6`,
    // The range serves the prefix from the primary key index; starts_with states the intent.
    list: `SELECT key, value, version, expires_at FROM ${t}
           WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND starts_with(key, $1)
             AND ($3::text IS NULL OR key > $3) AND ${live('$4')} ORDER BY key LIMIT $5`,
    delete: `DELETE FROM ${t} WHERE key = $1`,
    // The outer condition is not redundant: a row the subquery picked and a concurrent write
    // then made live again is re-checked against its new version (READ COMMITTED re-evaluates
    // the DELETE's own WHERE after the wait), so collection never deletes a live item.
    gc: `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= $1 LIMIT ${GC_BATCH}) AND expires_at <= $1`,
  };
}

/** The smallest string above every string starting with `prefix`, in code point order. */
export function prefixEnd(prefix: string): string | undefined {
  const chars = Array.from(prefix);
  while (chars.length > 0) {
    const cp = chars.pop()!.codePointAt(0)!;
    if (cp === 0x10ffff) continue;
    return chars.join('') + String.fromCodePoint(cp === 0xd7ff ? 0xe000 : cp + 1);
  }
  return undefined;
}

export const hasNul = (text: string) => text.includes('\u0000');
/** A put of U+0000; a delete of such a key has nothing to remove (writeOne, store-write.ts, skips it). */
export const refuseNul = (w: Write) => {
  if (!isDelete(w) && (hasNul(w.key) || hasNul(w.value))) {
    throw new TypeError('postgresStore: PostgreSQL text cannot hold U+0000 in a key or value');
  }
};
export const toItem = (row: Omit<Row, 'key'>): StoredItem => {
  const item: StoredItem = { value: row.value, version: row.version };
  if (row.expires_at !== null) item.expiresAt = Number(row.expires_at);
  return item;
};
