import Redis from 'ioredis';

/**
 * Bounds on every wait of a client the store opens (a client passed in keeps its owner's
 * settings). ioredis 6's defaults (built/redis/RedisOptions.js) wait long or forever: connect
 * timeout 10 s, no command timeout, and a command queued while disconnected waits through 20
 * reconnects, with backoff capped at 5 s about 70 s against a closed port.
 */
export interface RedisTimeouts {
  /** TCP connect (ioredis `connectTimeout`); the socket is destroyed and retried. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * ioredis `commandTimeout`: a command with no reply this long after it was issued rejects with
   * "Command timed out". It counts from the call, so it also bounds the wait in the offline queue
   * while (re)connecting, and the wait on a server that accepts TCP and never answers (the
   * connect timeout ends at the TCP handshake). Client-side only: Redis never learns of it. A
   * write script that timed out may already have run, or, queued before the connection was
   * ready, may still run once it is (ioredis sends queued commands even if they were rejected):
   * a 503 from a write means "unknown", not "not written"; the write script recognises its own
   * resend by version (store-lua.ts). Default 10 s, far above any of this store's scripts.
   *
   * Also ioredis `socketTimeout`: a connection with commands in flight and no data for this long
   * is destroyed and reopened. Without it a connection gone silent mid-life (a partition, a
   * dropped NAT entry) stays open and every later command times out on it, until TCP keepalive
   * gives up minutes later. Unanswered commands are then resent on the new connection.
   */
  commandTimeoutMs?: number;
  /**
   * Reconnects a queued command waits through before it rejects (MaxRetriesPerRequestError).
   * Default 2: with ioredis's backoff (50 ms, 100 ms, then doubling) well under a second.
   */
  maxRetriesPerRequest?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RETRIES_PER_REQUEST = 2;

export function openClient(url: string, t: RedisTimeouts = {}): Redis {
  const commandTimeout = t.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const client = new Redis(url, {
    connectTimeout: t.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout,
    socketTimeout: commandTimeout,
    maxRetriesPerRequest: t.maxRetriesPerRequest ?? DEFAULT_MAX_RETRIES_PER_REQUEST,
    // A failover that demotes the primary without closing its connections leaves this one on a
    // replica, which refuses every write with READONLY for as long as it stays open. Reconnect
    // (the address now leads to the new primary) and fail this command (503, retry shortly);
    // not resend it: it would go on being resent while the failover lasts, and apply late.
    // https://github.com/redis/ioredis#reconnect-on-error
    reconnectOnError: (e) => /^READONLY\b/.test(e.message),
  });
  // Connection errors are also emitted as events; ioredis logs unheard ones to the console on
  // every reconnect. Each affected command rejects with its own error, which the store maps.
  client.on('error', () => undefined);
  return client;
}
