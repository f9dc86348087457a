import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { systemClock } from '../../shared/ports/clock';
import { isDelete, type Write } from '../../shared/ports/store';
import { expiryOf } from '../../shared/store/text-and-ttl';
import { type StoreKeys, writeAll } from './store-lua';
import { RedisOutcomeUnknown, type ResendWatch } from './store-resend';

/**
 * Runs a batch of writes as one WRITE_ALL script (store-lua.ts): true when every condition held
 * and every write was made. `now` is the injected clock's; `gcMargin` places the native expiry.
 * A failed condition after the client resent the script (`resends`, store-resend.ts) may be
 * the first run's own write: RedisOutcomeUnknown (503 store_unavailable), not false.
 */
export async function writeBatch(
  client: Redis, keys: StoreKeys, batch: readonly Write[], now: number, gcMargin: number | false, resends?: ResendWatch,
): Promise<boolean> {
  const args: (string | number)[] = [now];
  for (const w of batch) {
    if (isDelete(w)) {
      args.push('delete', w.key, '', '', '', '', '');
      continue;
    }
    const { key, value, opts: o = {} } = w;
    if (o.ifAbsent && o.ifVersion !== undefined) return false; // no live item has a version
    const exp = o.ttlSeconds === undefined ? '' : expiryOf(now, o.ttlSeconds);
    // Garbage collection by the real clock, well after the injected clock's expiry. A whole
    // number within the TTL limit: a PEXPIREAT the server refuses would stop the script after
    // the writes before it, half a batch (Redis does not roll a script back).
    const gcAt = exp === '' || gcMargin === false ? '' : Math.ceil(expiryOf(systemClock.now(), o.ttlSeconds!) + gcMargin);
    const cond = o.ifAbsent ? 'absent' : o.ifVersion !== undefined ? `version:${o.ifVersion}` : '';
    // The caller's newVersion, else a random one, never a counter: a key deleted and re-created
    // must not reuse one.
    args.push('put', key, value, o.newVersion ?? randomUUID(), exp, cond, gcAt);
  }
  const resent = resends?.();
  if ((await writeAll(client, [keys.index, keys.expiring, ...batch.map((w) => keys.item(w.key))], args)) === 1) return true;
  if (resent?.()) throw new RedisOutcomeUnknown();
  return false;
}
