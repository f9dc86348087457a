import { Pool } from 'pg';

/**
 * Bounds on every wait of a pool the store opens (a pool passed in keeps its owner's settings).
 * pg's own defaults wait forever: no connect timeout, no statement timeout
 * (https://node-postgres.com/apis/client, https://node-postgres.com/apis/pool).
 */
export interface PostgresTimeouts {
  /**
   * Opening a connection, TCP through authentication (a server that accepts TCP and never
   * answers), and waiting for a free connection when the pool is at its size. Default 5 s.
   */
  connectTimeoutMs?: number;
  /**
   * The server's `statement_timeout`, sent with the startup message: the server cancels a
   * statement that runs, or waits on a row lock, longer (SQLSTATE 57014), rolls back what it did,
   * and the connection stays usable. Chosen over a client-side timer because only the server can
   * stop the work and release its locks. Per statement: a batch's transaction may take a few.
   * Default 10 s.
   */
  statementTimeoutMs?: number;
  /**
   * pg's client-side `query_timeout`, the backstop for a server or network that stops answering
   * mid-query, which the server cannot cancel as it never sees it; the connection is discarded.
   * Longer than the statement timeout so the server's clean cancel comes first. A write that
   * fails this way may have been committed: a 503 means "unknown", not "not written".
   * Default statementTimeoutMs + 5 s.
   */
  queryTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

export function openPool(connectionString: string, t: PostgresTimeouts = {}): Pool {
  const statementTimeout = t.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return new Pool({
    connectionString,
    connectionTimeoutMillis: t.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    statement_timeout: statementTimeout,
    query_timeout: t.queryTimeoutMs ?? statementTimeout + QUERY_TIMEOUT_MARGIN_MS,
  });
}
