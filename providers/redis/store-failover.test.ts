import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { closedPort } from '../postgres/net-faults.testkit';
import { redisStore } from './store';

/**
 * A failover that demotes the primary without closing its connections (ElastiCache with
 * auto-failover disabled and a replica promoted by hand, a Sentinel-less switch behind a DNS
 * name): the connection the store holds now reaches a replica, which answers every write with
 * READONLY, while the name already leads to the new primary. The replica here is a real
 * redis-server on 127.0.0.1 started by the test (a replica of a port nobody listens on: it
 * refuses writes all the same); a TCP proxy stands for the DNS name, leading new connections
 * to the Redis on 127.0.0.1:6379 once told to.
 */
const START = Date.parse('2026-01-01T00:00:00Z');
const prefix = `secorch-failover:${process.pid}:`;

function switchingProxy(firstPort: number) {
  let target = firstPort;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  return {
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))),
    /** New connections go to this port; open ones stay where they are. */
    switchTo: (port: number) => void (target = port),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

async function startReplica(): Promise<{ port: number; process: ChildProcess }> {
  const port = await closedPort();
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--replicaof', '127.0.0.1', String(await closedPort()),
  ], { stdio: 'ignore' });
  child.on('error', () => undefined); // no redis-server binary: the probe below fails and says so
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
  try {
    for (let i = 0; i < 100; i++) {
      if ((await probe.ping().catch(() => undefined)) === 'PONG') return { port, process: child };
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    probe.disconnect();
  }
  child.kill();
  throw new Error('the replica redis-server did not start');
}

describeWithServer('redis', STANDARD_PORTS.redis, 'redisStore after a failover that keeps connections open (Redis on 127.0.0.1:6379)', () => {
  let replica: { port: number; process: ChildProcess };
  beforeAll(async () => {
    replica = await startReplica();
  });
  afterAll(async () => {
    replica.process.kill();
    const admin = new Redis(`redis://127.0.0.1:${STANDARD_PORTS.redis}`);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('a write refused with READONLY fails as store_unavailable and the connection is replaced, so the retry reaches the new primary', async () => {
    const proxy = switchingProxy(replica.port);
    const store = redisStore({ url: `redis://127.0.0.1:${await proxy.listen()}`, prefix, clock: fixedClock(START) });
    try {
      expect(await store.get('k')).toBeUndefined(); // connected, to what is now a replica
      proxy.switchTo(STANDARD_PORTS.redis); // the name leads to the promoted primary
      const refused = await store.put('k', 'v').then(() => undefined, (e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ code: 'store_unavailable', status: 503, message: expect.stringContaining('READONLY') });
      // The caller retries, as the 503 asks.
      expect(await store.put('k', 'v')).toBe(true);
      expect((await store.get('k'))?.value).toBe('v');
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
