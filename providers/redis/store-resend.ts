import type Redis from 'ioredis';

/**
 * Whether a write script may have run twice. When a connection drops with commands unanswered,
 * ioredis sends them again on the next one (autoResendUnfulfilledCommands, on by default), so
 * the write script can run a second time after its first run wrote (store-lua.ts). The script
 * tells its own earlier run only by the version it writes; an item that moved on since (another
 * writer came between the first run and the resend) proves nothing either way: the condition
 * fails, and "false" may be wrong.
 *
 * Each `ready` is a new connection in use. A command issued while the client is ready is written
 * at once, so a reply after a later `ready` came back over a later connection: it was resent.
 * One issued while not ready waits in the offline queue for the next `ready` and is written
 * then: only a `ready` after that one means a resend. The one error this can make (a command
 * queued while a dead connection still read as ready) is a 503 where false was right, never the
 * reverse. https://github.com/redis/ioredis#auto-reconnect
 */
export type ResendWatch = () => () => boolean;

const watches = new WeakMap<Redis, ResendWatch>();

/** One listener per client, however many stores share it. */
export function watchResends(client: Redis): ResendWatch {
  const known = watches.get(client);
  if (known) return known;
  let readies = 0;
  client.on('ready', () => {
    readies++;
  });
  const watch: ResendWatch = () => {
    const sentOn = readies + (client.status === 'ready' ? 0 : 1);
    return () => readies > sentOn;
  };
  watches.set(client, watch);
  return watch;
}

/** A write script answered 0 (a condition failed) after a resend: it may have been applied by its first run. */
export class RedisOutcomeUnknown extends Error {
  constructor() {
    super('A write the client resent may have been applied; its items have changed since');
    this.name = 'RedisOutcomeUnknown';
  }
}
