import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../test/emulators/spawn';
import { exited, output, ROOT, startServer, stopServer, until, waitHealthy } from '../test/e2e/server';

/** The real `npm start` (scripts/start.ts) refusing to start, and the processes it leaves behind. */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-start-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/** The command lines of the processes in `npm start`'s process group (it is started as its leader). */
const group = (pgid: number): string[] => {
  try {
    return execFileSync('ps', ['-o', 'args=', '-g', String(pgid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // ps exits 1 when no process is left
  }
};
/** Its exit code; 'running' when it is still running after 45 s (then stopServer stops it). */
const exitCode = (child: ChildProcess) =>
  Promise.race([exited(child), new Promise<'running'>((r) => setTimeout(() => r('running'), 45_000).unref())]);
const children = (pgid: number) => group(pgid).filter((l) => l.includes('serverless.js offline start') || /-worker[/\\]index\.js/.test(l));

describe.each([
  ['PORT', 'the HTTP port'],
  ['SECORCH_LAMBDA_PORT', "serverless-offline's Lambda invoke port"],
] as const)('a port in use (%s)', (name, what) => {
  test('stops npm start before anything is built or started, naming the port and the variable', async () => {
    const [port, lambdaPort] = await freePorts(2);
    const taken = await listen(name === 'PORT' ? port! : lambdaPort!);
    const child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dir });
    try {
      const out = output(child);
      expect(await exitCode(child)).toBe(1);
      const busy = name === 'PORT' ? port : lambdaPort;
      expect(out()).toContain(`secorch: cannot start: port ${busy} on 127.0.0.1 (${what}, ${name}) is in use: stop what listens there (another npm start?) or set ${name} to a free port\n`);
      // No worker opened the data directory: it may be the one of the npm start holding the port.
      expect(out()).not.toContain('worker started');
    } finally {
      await new Promise((r) => taken.close(r));
      await stopServer(child);
    }
  }, 60_000);
});

test('a PORT that is no port number stops npm start', async () => {
  const child = startServer({ PORT: 'eighty', SECORCH_DATA_DIR: dir });
  const out = output(child);
  try {
    expect(await exitCode(child)).toBe(1);
    expect(out()).toContain('secorch: cannot start: PORT "eighty" is not a port number (1 to 65535)\n');
  } finally {
    await stopServer(child);
  }
}, 60_000);

test('a memory state store stops npm start: its functions and workers are separate processes that would each keep their own', async () => {
  const config = join(dir, 'memory.yaml');
  writeFileSync(config, 'store: { type: memory }\n');
  const child = startServer({ SECORCH_CONFIG: config, SECORCH_DATA_DIR: dir });
  const out = output(child);
  try {
    expect(await exitCode(child)).toBe(1);
    expect(out()).toContain('secorch: cannot start: store.type memory keeps state inside one process, and npm start runs the HTTP functions and each worker in processes of their own');
  } finally {
    await stopServer(child);
  }
}, 60_000);

test('a SECORCH_LOCAL_BUNDLE that is no plain folder name stops npm start before anything is built', async () => {
  const child = startServer({ SECORCH_LOCAL_BUNDLE: 'a/b', SECORCH_DATA_DIR: dir });
  const out = output(child);
  try {
    expect(await exitCode(child)).toBe(1);
    expect(out()).toContain('secorch: cannot start: SECORCH_LOCAL_BUNDLE "a/b" is not a folder name: the local bundle is built into dist/<name>; ');
    expect(existsSync(join(ROOT, 'dist', 'a'))).toBe(false);
  } finally {
    await stopServer(child);
  }
}, 60_000);

test('a second npm start from the same bundle folder is refused before it rebuilds the files the first one runs', async () => {
  // The bundle folder startServer gives npm start, held by a live process (this one).
  const bundle = `local-e2e-${process.pid}`;
  const lock = join(ROOT, 'dist', `${bundle}.pid`);
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(lock, `${process.pid}\n`);
  const [port, lambdaPort] = await freePorts(2);
  const child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dir });
  const out = output(child);
  try {
    expect(await exitCode(child)).toBe(1);
    expect(out()).toContain(`secorch: cannot start: another npm start (pid ${process.pid}) runs from dist/${bundle} of this checkout, and building would replace the files it runs: stop it first, or give this one a bundle folder of its own with SECORCH_LOCAL_BUNDLE=<name>\n`);
    expect(existsSync(join(ROOT, 'dist', bundle))).toBe(false);
  } finally {
    rmSync(lock, { force: true });
    await stopServer(child);
  }
}, 60_000);

test('a worker that fails at every start: GET /health/ready answers 503 naming it and why, the other workers ok; /health stays 200', async () => {
  // A report copied to inbox before the folder existed is a file where the inbox worker's folder belongs.
  writeFileSync(join(dir, 'inbox'), '{"runs":[]}');
  const [port, lambdaPort] = await freePorts(2);
  const child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dir });
  const logs = output(child);
  const base = `http://127.0.0.1:${port}`;
  type Ready = { status: string; checks: { name: string; status: string; reason?: string }[] };
  try {
    await waitHealthy(base, logs);
    const looping = await until(async () => {
      const res = await fetch(`${base}/health/ready`);
      const body = (await res.json()) as Ready;
      const inbox = body.checks.find((c) => c.name === 'worker:inbox-worker');
      return res.status === 503 && inbox?.reason?.startsWith('crash-looping: ') ? body : undefined;
    }, 45_000, () => `a crash-looping inbox worker in GET /health/ready\n${logs()}`);
    expect(looping.checks.find((c) => c.name === 'worker:inbox-worker')?.reason).toMatch(/^crash-looping: exited \d+ times in a row within 60 s of starting \(last: code 1\); (npm start restarts it|running again for \d+ s)$/);
    expect(looping.checks.filter((c) => c.name !== 'worker:inbox-worker').map((c) => [c.name, c.status])).toEqual([
      ['store', 'ok'], ['bus', 'ok'], ['worker:delivery-worker', 'ok'], ['worker:router-worker', 'ok'],
    ]);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  } finally {
    await stopServer(child);
  }
}, 120_000);

/** Needs ps with process groups (Linux, macOS). */
const posix = process.platform === 'win32' ? describe.skip : describe;

posix('processes npm start leaves', () => {
  test('npm start killed (SIGKILL): serverless-offline and the workers stop instead of running on as orphans', async () => {
    const [port, lambdaPort] = await freePorts(2);
    const child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dir });
    const logs = output(child);
    try {
      await waitHealthy(`http://127.0.0.1:${port}`, logs);
      await until(() => (children(child.pid!).length === 4 ? true : undefined), 30_000, () => `serverless-offline and three workers\n${group(child.pid!).join('\n')}`);
      const gone = exited(child);
      process.kill(child.pid!, 'SIGKILL');
      await gone;
      await until(() => (children(child.pid!).length === 0 ? true : undefined), 30_000, () => `the orphans to stop\n${group(child.pid!).join('\n')}`);
      // They stopped as on Ctrl-C, finishing what they held. Their last lines may still be in the
      // pipe when ps no longer lists them: waited for, not read at once.
      await until(() => (logs().includes('router loop stopped') && logs().includes('delivery loop stopped') ? true : undefined), 10_000, () => `the workers' stop lines\n${logs()}`);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // none left
      }
      await stopServer(child);
      // Left by the npm start killed above (the next one would take it over).
      rmSync(join(ROOT, 'dist', `local-e2e-${process.pid}.pid`), { force: true });
    }
  }, 120_000);

  test('serverless-offline killed by a signal before it served: npm start stops with a failure, not 0', async () => {
    const [port, lambdaPort] = await freePorts(2);
    const child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dir });
    const logs = output(child);
    try {
      const code = exitCode(child);
      // Within its first ten seconds: npm start does not restart it then.
      const offline = await until(() => {
        const ps = execFileSync('ps', ['-o', 'pid=,args=', '-g', String(child.pid)], { encoding: 'utf8' });
        return ps.split('\n').find((l) => l.includes('serverless.js offline start'));
      }, 60_000, () => `serverless-offline to start\n${logs()}`);
      process.kill(Number(offline.trim().split(/\s+/)[0]), 'SIGKILL');
      expect(await code).toBe(1);
      expect(logs()).toContain('secorch: serverless-offline exited (SIGKILL); stopping the workers');
    } finally {
      await stopServer(child);
    }
  }, 120_000);
});
