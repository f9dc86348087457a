import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Servers installed on the machine (DESIGN.md section 4): found on their standard loopback
 * ports; when one is absent its tests are reported as skipped with a message naming it, except
 * under `CI=true`, where its absence fails the run. So `npm test` passes on a fresh laptop and CI
 * still exercises every real server.
 */
export type LocalServer = 'postgres' | 'mariadb' | 'redis' | 'rabbitmq' | 'nats';

export const STANDARD_PORTS: Readonly<Record<LocalServer, number>> = {
  postgres: 5432,
  mariadb: 3306,
  redis: 6379,
  rabbitmq: 5672,
  nats: 4222,
};

const HOST = '127.0.0.1';
/**
 * On loopback a connection is accepted or refused by the kernel at once; the timeout only stops a
 * probe that never hears back. Generous, because under CI=true a probe that gives up on a loaded
 * machine fails the server's whole describe block.
 */
const PROBE_TIMEOUT_MS = 5000;
/** A child Node process's start-up, which takes seconds on a loaded machine; then the probe. */
const PROBE_PROCESS_MS = 30_000;

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export async function serverAvailable(_name: LocalServer, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const probed = new Map<number, boolean>();

/**
 * The same probe, synchronously: jest collects tests synchronously, so whether to skip must be
 * known at module load. A child Node process does the connect; results are cached per port.
 */
export function serverAvailableSync(_name: LocalServer, port: number, timeoutMs = PROBE_TIMEOUT_MS): boolean {
  const cached = probed.get(port);
  if (cached !== undefined) return cached;
  const script = `const s = require('node:net').connect({ host: ${JSON.stringify(HOST)}, port: ${Number(port)} });
s.setTimeout(${Number(timeoutMs)}, () => process.exit(1));
s.once('connect', () => process.exit(0));
s.once('error', () => process.exit(1));`;
  const r = spawnSync(process.execPath, ['-e', script], { timeout: timeoutMs + PROBE_PROCESS_MS, stdio: 'ignore' });
  const up = r.status === 0;
  probed.set(port, up);
  return up;
}

export type ServerGate = { run: true } | { run: false; fail: boolean; message: string };

/** The decision alone, so it can be tested without jest's collection phase. */
export function serverGate(name: LocalServer, port: number, available: boolean, ci: boolean): ServerGate {
  if (available) return { run: true };
  const message = `${name} is not running on ${HOST}:${port}`;
  return ci ? { run: false, fail: true, message: `${message} (required under CI=true)` } : { run: false, fail: false, message };
}

/**
 * `describe(title, fn)` when the server answers; otherwise a single skipped test whose name says
 * which server is missing, or under `CI=true` a single failing test saying so.
 */
export function describeWithServer(name: LocalServer, port: number, title: string, fn: () => void): void {
  const gate = serverGate(name, port, serverAvailableSync(name, port), process.env.CI === 'true');
  if (gate.run) {
    describe(title, fn);
    return;
  }
  describe(title, () => {
    if (gate.fail) {
      test(gate.message, () => {
        throw new Error(`${gate.message}. Start it (see TOOLING.md) or run without CI=true to skip these tests.`);
      });
    } else {
      test.skip(gate.message, () => undefined);
    }
  });
}
