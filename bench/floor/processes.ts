import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Servers for bench/e2e.ts: spawned in their own process group (detached) so that stopping one
 * stops everything it started (tsx -> start.ts -> serverless-offline), on 127.0.0.1 only.
 * Whatever happens, every group started here is killed: by `stop()`, and on exit or Ctrl-C.
 */
export interface Server {
  base: string;
  /** The last part of the server's output, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  cwd: string;
  env: Record<string, string>;
  base: string;
  /** Resolves true once the server answers as it should. */
  ready: (base: string) => Promise<boolean>;
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

const killAll = () => live.forEach((c) => killGroup(c, 'SIGKILL'));
const onSignal = () => {
  killAll();
  process.exit(130);
};
process.on('exit', killAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startServer(args: string[], opts: ServerOptions): Promise<Server> {
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (live.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  live.add(child);
  let out = '';
  const keep = (b: Buffer) => void (out = (out + b.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const stop = async () => {
    killGroup(child, 'SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    killGroup(child, 'SIGKILL');
    live.delete(child);
    if (live.size === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
  const server: Server = { base: opts.base, output: () => out, stop };

  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      if (await opts.ready(opts.base).catch(() => false)) return server;
      if (Date.now() > deadline) throw new Error('not ready in time');
      await sleep(200);
    }
  } catch (e) {
    await stop();
    throw new Error(`${args.join(' ')}: ${(e as Error).message}\n${out.slice(-3000)}`);
  }
}
