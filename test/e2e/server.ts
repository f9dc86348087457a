import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** Helpers of the end-to-end tests that run the real `npm start` (scripts/start.ts, as package.json runs it). */
export const ROOT = join(__dirname, '..', '..');

export function startServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    // Its own bundle folder: other local servers (benchmarks) may be running from this checkout.
    cwd: ROOT, env: { ...process.env, SECORCH_LOCAL_BUNDLE: `local-e2e-${process.pid}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
}

export function output(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return () => out;
}

export const exited = (child: ChildProcess) => new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what: string | (() => string)): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(50);
  }
}

/** Waits until the server answers GET /health with 200 (its output is in the error otherwise). */
export const waitHealthy = (base: string, logs: () => string) =>
  until(async () => ((await fetch(`${base}/health`)).status === 200 ? true : undefined), 60000, () => `GET /health\n${logs()}`);

/** Stops `npm start` and everything it spawned (its process group), and removes its bundles. */
export async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid && child.exitCode === null) {
    const done = exited(child);
    process.kill(-child.pid, 'SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
  }
  rmSync(join(ROOT, 'dist', `local-e2e-${process.pid}`), { recursive: true, force: true });
}
