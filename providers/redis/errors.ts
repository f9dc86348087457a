import { guardStore, storeUnavailable } from '../../shared/store/unavailable';
import { RedisOutcomeUnknown } from './store-resend';

/*
 * Which ioredis errors mean "Redis is not reachable, not answering or not taking writes right
 * now" (a retry may succeed), named by a short fixed reason; so does a resent write whose outcome
 * cannot be told (store-resend.ts). Everything else (a script error, WRONGTYPE, a TypeError from
 * the store itself) stays as it is.
 */

/**
 * Errors ioredis 6 raises itself: CONNECTION_CLOSED_ERROR_MSG (built/utils), Command#setTimeout
 * (commandTimeout), the connect timeout and the socket timeout (built/Redis.js).
 */
const MESSAGES: [RegExp, string][] = [
  [/^Command timed out$/, 'command timeout'],
  [/^Connection is closed\.?$/, 'connection closed'],
  [/^connect ETIMEDOUT$/, 'connect timeout'],
  [/^Stream isn't writeable/, 'not connected'],
  [/^Socket timeout\./, 'no reply'],
];
/**
 * Server replies meaning "not now" (https://redis.io/docs/latest/develop/reference/protocol-spec/
 * simple errors): LOADING (restarting, reading its data), BUSY (another script past
 * lua-time-limit), MASTERDOWN, READONLY (a failover made our node a replica), TRYAGAIN and
 * CLUSTERDOWN (cluster resharding or failing over), OOM (used memory over `maxmemory` with
 * nothing the eviction policy may evict: writes are refused until keys expire or are evicted,
 * https://redis.io/docs/latest/develop/reference/eviction/; a write script refused so wrote
 * nothing, as Redis refuses it at its first write).
 */
const REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM)\b/;
/** Redis 6 and older wrap an error of a script's redis.call: `ERR Error running script (...): ... -OOM command not allowed ...`. */
const SCRIPT_OOM = /^ERR Error running script\b.*-OOM command not allowed\b/s;
const ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function reason(e: unknown): string | undefined {
  // Duck-typed, not `instanceof Error`: socket errors are made by Node's core, whose Error can be
  // another realm's (a vm context, as under jest).
  if (typeof e !== 'object' || e === null) return undefined;
  if (e instanceof RedisOutcomeUnknown) return 'commit outcome unknown';
  const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
  // Reconnects exhausted (maxRetriesPerRequest) while the command waited; the last socket error
  // is not attached, so no finer reason is known.
  if (name === 'MaxRetriesPerRequestError') return 'server unreachable';
  if (typeof code === 'string' && ERRNOS.has(code)) return code === 'ECONNREFUSED' ? 'connection refused' : `network error ${code}`;
  if (typeof message !== 'string') return undefined;
  const reply = REPLIES.exec(message);
  if (reply) return `server replied ${reply[1]}`;
  if (SCRIPT_OOM.test(message)) return 'server replied OOM';
  return MESSAGES.find(([re]) => re.test(message))?.[1];
}

/** A transient error as store_unavailable (shared/store/unavailable.ts); others unchanged. */
export const redisUnavailable = (e: unknown, op: string): unknown => storeUnavailable('Redis', op, e, reason);

/** Runs one store operation, turning a transient driver error into store_unavailable. */
export const guarded = <T>(op: string, run: () => Promise<T>): Promise<T> => guardStore('Redis', op, reason, run);
