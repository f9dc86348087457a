/**
 * `npm start`: validate the configuration (exit non-zero naming the problem before anything
 * listens), build the local bundles with it, then run the whole function set in the foreground
 * under serverless-offline on http://127.0.0.1:$PORT (default 3000) with no stage prefix.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
// @ts-expect-error -- a plain ES module without type declarations, run through tsx
import { buildAll } from '../esbuild.config.mjs';
import { configPath, validateConfigFile } from './config-file';

async function main(): Promise<number> {
  const config = configPath();
  const dataDir = resolve(process.env.SECORCH_DATA_DIR || '.data');
  const port = process.env.PORT || '3000';
  const env = { ...process.env, SECORCH_DATA_DIR: dataDir, SECORCH_CONFIG: config, PORT: port };
  try {
    const { config: parsed } = validateConfigFile(config, env);
    console.log(`secorch: configuration ${config} is valid (${Object.keys(parsed.sources).length} sources, ${parsed.routes.length} routes)`);
  } catch (e) {
    console.error(`secorch: cannot start: ${(e as Error).message}`);
    return 1;
  }
  mkdirSync(dataDir, { recursive: true });
  await buildAll({ targets: ['local'], quiet: true, config });
  console.log(`secorch: data directory ${dataDir}; starting on http://127.0.0.1:${port}`);

  const bundle = process.env.SECORCH_LOCAL_BUNDLE || 'local';
  const workerEntry = (name: string) => join(__dirname, '..', 'dist', bundle, name, 'index.js');
  // The router worker follows the queue, so publishers need not nudge the router through
  // serverless-offline's Lambda invoke API (a whole emulated invocation per burst of events).
  if (existsSync(workerEntry('router-worker'))) Object.assign(env, { SECORCH_ROUTER_NUDGE: 'off' });
  const osls = join(__dirname, '..', 'node_modules', 'osls', 'bin', 'serverless.js');
  const child = spawn(process.execPath, [osls, 'offline', 'start', '--stage', 'local'], {
    stdio: 'inherit',
    env: { ...env, SECORCH_ROUTER_FUNCTION: 'secorch-local-eventRouter', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  // Long-running workers beside serverless-offline, on the same SQLite state: the router worker
  // routes queued events; the delivery worker sweeps due outbound webhook attempts; the inbox
  // worker turns reports copied into $SECORCH_DATA_DIR/inbox/ into finding events.
  let stopping = false;
  const workers = new Map<string, ChildProcess>();
  /** Runs a worker and restarts it when it dies (1 s, doubling to 30 s while it keeps failing fast). */
  const supervise = (name: string, impact: string, delayMs = 1000) => {
    const entry = workerEntry(name);
    if (!existsSync(entry)) return void console.error(`secorch: ${entry} was not built; ${impact}`);
    const started = Date.now();
    const worker = spawn(process.execPath, [entry], { stdio: 'inherit', env });
    workers.set(name, worker);
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const next = Date.now() - started > 60_000 ? 1000 : Math.min(delayMs * 2, 30_000);
      console.error(`secorch: ${name} exited (${signal ?? code}); restarting in ${delayMs / 1000} s (${impact} meanwhile)`);
      setTimeout(() => stopping || supervise(name, impact, next), delayMs).unref();
    });
  };
  supervise('router-worker', 'events are routed by the one-minute schedule');
  supervise('delivery-worker', 'outbound webhooks wait');
  supervise('inbox-worker', 'reports copied into the inbox wait');
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      stopping = true;
      for (const worker of workers.values()) worker.kill(sig);
      child.kill(sig);
    });
  }
  return new Promise((done) => child.on('exit', (code, signal) => {
    stopping = true;
    // The workers finish what they hold (a drain, a sweep) and close their databases before
    // npm start returns: whoever removes or copies the data directory next finds it quiet.
    const running = [...workers.values()].filter((w) => w.exitCode === null && w.signalCode === null);
    const exited = running.map((w) => new Promise<void>((r) => w.once('exit', () => r())));
    for (const worker of running) worker.kill('SIGTERM');
    const cap = new Promise<void>((r) => setTimeout(r, 5000).unref());
    void Promise.race([Promise.all(exited), cap]).then(() => done(code ?? (signal ? 0 : 1)));
  }));
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`secorch: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
