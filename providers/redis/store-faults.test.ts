import { createServer, type Server, type Socket, connect } from 'node:net';
import Redis from 'ioredis';
import { fixedClock } from '../../shared/ports/clock';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { redisStore } from './store';

/**
 * A connection that drops after Redis ran a write but before its reply arrived (a failover, a
 * load balancer's idle cut, a network blip). ioredis resends the unanswered command on the new
 * connection (autoResendUnfulfilledCommands, on by default), so the store's write script runs a
 * second time. A TCP proxy on 127.0.0.1 in front of the Redis on 127.0.0.1:6379 drops the
 * connection when told to, at the server's next reply.
 */
const START = Date.parse('2026-01-01T00:00:00Z');
let prefixes = 0;
const freshPrefix = () => `secorch-faults:${process.pid}:${++prefixes}:`;

function dropProxy() {
  const sockets = new Set<Socket>();
  let armed = false;
  let drops = 0;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: STANDARD_PORTS.redis });
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (armed) {
        armed = false;
        drops++;
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
    armDrop: () => void (armed = true),
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
});
