import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { closedPort } from '../postgres/net-faults.testkit';

export interface OwnRedis {
  port: number;
  /** Stops the server by its PID and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on 127.0.0.1 and a free port, with `args` added to its command
 * line (a configuration the shared server on 6379 must not be given, such as `--maxmemory 1`);
 * nothing saved to disk. Resolves once it answers PING.
 */
export async function startRedisServer(args: string[]): Promise<OwnRedis> {
  const port = await closedPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  child.on('error', () => undefined); // no redis-server binary: the probe below fails and says so
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  };
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
  try {
    for (let i = 0; i < 100; i++) {
      if ((await probe.ping().catch(() => undefined)) === 'PONG') return { port, stop };
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    probe.disconnect();
  }
  await stop();
  throw new Error(`redis-server ${args.join(' ')} did not start`);
}
