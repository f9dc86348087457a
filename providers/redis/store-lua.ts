import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * The Lua scripts of the Redis store (store.ts) and the keys they work on. Each runs as one
 * atomic step on the server; the layout of keys is described on redisStore.
 */

/** Fields per write in WRITE_ALL's ARGV, as store-write.ts lays them out. */
export const FIELDS_PER_WRITE = 7;

/** The keys of one store, all under its prefix: the index, the expiry set and each item's hash. */
export interface StoreKeys {
  index: string;
  expiring: string;
  item(key: string): string;
}

export const storeKeys = (prefix: string): StoreKeys => ({
  index: `${prefix}idx`,
  expiring: `${prefix}exp`,
  item: (key) => `${prefix}i:${key}`,
});

/**
 * KEYS[1] the index, KEYS[2] the expiry set, KEYS[2 + i] item i. ARGV[1] now, then per write:
 * op ('put' | 'delete'), member, value, version, exp ('' for none), condition ('' | 'absent' |
 * 'version:<v>'), gcAt ('' for none). A delete has no condition and '' in every field after its
 * member. An item with a gcAt has its member in the expiry set, scored by it; others have none.
 */
const WRITE_ALL = `
local now = tonumber(ARGV[1])
local n = #KEYS - 2
local function live_version(key)
  local r = redis.call('HMGET', key, 'ver', 'exp')
  if not r[1] then return false end
  if r[2] and r[2] ~= '' and tonumber(r[2]) <= now then return false end
  return r[1]
end
-- A resend of this very batch (the connection dropped before the reply, and ioredis sends
-- unanswered commands again on the new one): every put carries a fresh version, so a put's key
-- already holding it means the batch ran, whole. Answer as the first run did, writing nothing.
-- A key that moved on to another writer's version proves nothing: the conditions below then
-- fail, and the store answers 503, not false, when the client did resend (store-resend.ts).
for i = 1, n do
  local a = 1 + (i - 1) * ${FIELDS_PER_WRITE}
  if ARGV[a + 1] == 'put' then
    if redis.call('HGET', KEYS[2 + i], 'ver') == ARGV[a + 4] then return 1 end
    break
  end
end
for i = 1, n do
  local cond = ARGV[1 + (i - 1) * ${FIELDS_PER_WRITE} + 6]
  if cond ~= '' then
    local current = live_version(KEYS[2 + i])
    if cond == 'absent' then
      if current then return 0 end
    elseif current ~= string.sub(cond, 9) then
      return 0
    end
  end
end
for i = 1, n do
  local a = 1 + (i - 1) * ${FIELDS_PER_WRITE}
  local key = KEYS[2 + i]
  if ARGV[a + 1] == 'delete' then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], ARGV[a + 2])
    redis.call('ZREM', KEYS[2], ARGV[a + 2])
  else
    redis.call('HSET', key, 'v', ARGV[a + 3], 'ver', ARGV[a + 4], 'exp', ARGV[a + 5])
    if ARGV[a + 7] == '' then
      redis.call('PERSIST', key)
      redis.call('ZREM', KEYS[2], ARGV[a + 2])
    else
      redis.call('PEXPIREAT', key, ARGV[a + 7])
      redis.call('ZADD', KEYS[2], ARGV[a + 7], ARGV[a + 2])
    end
    redis.call('ZADD', KEYS[1], 0, ARGV[a + 2])
  end
end
return 1
`;

/**
 * KEYS[1] the index, KEYS[2] the expiry set, KEYS[2 + i] item i, ARGV[i] its member: drops the
 * members whose item is gone. An item still there (written again since it was read, or not yet
 * expired by a Redis clock behind ours) keeps both entries, for a later sweep.
 */
const PRUNE = `
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('ZREM', KEYS[1], ARGV[i - 2])
    redis.call('ZREM', KEYS[2], ARGV[i - 2])
  end
end
return 0
`;

const DELETE = `
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
`;

/** EVALSHA with a fallback to EVAL when the server's script cache does not have it yet. */
function script(source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!String((e as Error).message).startsWith('NOSCRIPT')) throw e;
      return client.eval(source, keys.length, ...keys, ...args);
    }
  };
}
export const writeAll = script(WRITE_ALL);
const prune = script(PRUNE);
export const remove = script(DELETE);

/** Drops the index and expiry entries of `members` whose item is gone (PRUNE). */
export const dropGone = (client: Redis, keys: StoreKeys, members: string[]) =>
  prune(client, [keys.index, keys.expiring, ...members.map(keys.item)], members);
