import { createServer, type Server, type Socket, connect } from 'node:net';
import Redis from 'ioredis';
import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { take } from '../../shared/ratelimit/token-bucket';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { redisStore } from './store';

/**
 * A connection that drops after Redis ran a write but before its reply arrived (a failover, a
 * load balancer's idle cut, a network blip). ioredis resends the unanswered command on the new
 * connection (autoResendUnfulfilledCommands, on by default), so the store's write script runs a
 * second time. A TCP proxy on 127.0.0.1 in front of the Redis on 127.0.0.1:6379 drops the
 * connection when told to, at the server's next reply; given a hook, at the next integer reply
 * (a write script's 0 or 1), after running the hook (another writer, before the resend).
 */
const START = Date.parse('2026-01-01T00:00:00Z');
let prefixes = 0;
const freshPrefix = () => `secorch-faults:${process.pid}:${++prefixes}:`;

function dropProxy() {
  const sockets = new Set<Socket>();
  let armed: false | true | (() => Promise<void>) = false;
  let drops = 0;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: STANDARD_PORTS.redis });
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', async (d: Buffer) => {
      if (armed === true || (armed && d[0] === 0x3a)) {
        const hook = armed;
        armed = false;
        drops++;
        if (hook !== true) {
          upstream.pause(); // nothing else reaches the client meanwhile
          await hook();
        }
        end(); // the command ran on the server; its reply is lost
        return;
      }
      client.write(d);
    });
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', () => {
        sockets.delete(s);
        end();
      });
    }
  });
  return {
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))),
    armDrop: (hook?: () => Promise<void>) => void (armed = hook ?? true),
    drops: () => drops,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describeWithServer('redis', STANDARD_PORTS.redis, 'redisStore faults (Redis on 127.0.0.1:6379 behind a dropping proxy)', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(`redis://127.0.0.1:${STANDARD_PORTS.redis}`);
  });
  afterAll(async () => {
    await admin.quit();
  });
  const clean = async (prefix: string) => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  };

  it('a write whose reply is lost and which the client resends still reports what happened: the claim it made is won', async () => {
    const proxy = dropProxy();
    const port = await proxy.listen();
    const prefix = freshPrefix();
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 10 });
    const store = redisStore({ client, prefix, clock: fixedClock(START) });
    try {
      await store.put('warm', 'v'); // loads the script, so the next write is one EVALSHA
      proxy.armDrop();
      const claimed = await store.put('claim', 'mine', { ifAbsent: true });
      expect(proxy.drops()).toBe(1);
      const stored = await store.get('claim');
      expect(stored?.value).toBe('mine');
      // Only this caller wrote: answering false would make it drop work it alone holds (an
      // idempotency claim read as "a duplicate").
      expect(claimed).toBe(true);

      // The same for a batch and for ifVersion.
      const { version } = (await store.get('claim'))!;
      proxy.armDrop();
      const batch = await store.putAll([{ key: 'claim', value: 'next', opts: { ifVersion: version } }, { key: 'other', value: 'o', opts: { ifAbsent: true } }]);
      expect(proxy.drops()).toBe(2);
      expect((await store.get('claim'))?.value).toBe('next');
      expect(batch).toBe(true);
    } finally {
      client.disconnect();
      await proxy.close();
      await clean(prefix);
    }
  });

  it('a resent write whose item another writer changed before the resend: 503 commit outcome unknown, never a false that spends another token', async () => {
    const proxy = dropProxy();
    const port = await proxy.listen();
    const prefix = freshPrefix();
    const clock = fixedClock(START);
    const bucket = { perSecond: 0.001, burst: 5 };
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 10 });
    const mine = redisStore({ client, prefix, clock });
    const other = redisStore({ url: `redis://127.0.0.1:${STANDARD_PORTS.redis}`, prefix, clock });
    try {
      expect(await take(mine, clock, 'bucket', bucket)).toEqual({ ok: true }); // also loads the script
      // Our next take's script runs and its reply is lost; before ioredis resends it, another
      // instance takes a token.
      proxy.armDrop(async () => {
        expect(await take(other, clock, 'bucket', bucket)).toEqual({ ok: true });
      });
      const second = await take(mine, clock, 'bucket', bucket).then((r) => r, (e: unknown) => e);
      expect(proxy.drops()).toBe(1);
      expect(second).toBeInstanceOf(AppError);
      expect(second).toMatchObject({
        code: 'store_unavailable', status: 503, retryable: true, headers: { 'retry-after': '1' },
        message: 'Redis state store unavailable during put (commit outcome unknown); retry shortly',
      });
      // Three takes were applied, none twice: answering false took a fourth token.
      expect(JSON.parse((await other.get('bucket'))!.value).tokens).toBe(bucket.burst - 3);
      // The connection is back: a condition that fails now, with nothing resent, is false again.
      expect(await mine.put('bucket', 'x', { ifAbsent: true })).toBe(false);
    } finally {
      client.disconnect();
      await other.close();
      await proxy.close();
      await clean(prefix);
    }
  });
});
