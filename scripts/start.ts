/**
 * `npm start`: validate the configuration, the data directory (a folder this user can write) and
 * the ports (free), exiting non-zero naming the problem before anything starts; build the local
 * bundles with it, then run the whole function set in the foreground
 * under serverless-offline (in its own process: scripts/offline.ts) on http://127.0.0.1:$PORT
 * (default 3000) with no stage prefix.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
// @ts-expect-error -- a plain ES module without type declarations, run through tsx
import { buildAll } from '../esbuild.config.mjs';
import { configPath, validateConfigFile } from './config-file';
import { ensureDataDir } from './data-dir';
import { OFFLINE_START } from './offline';
import { stopSignals } from './stop-signals';
import { localBundleName, lockBundle } from './bundle-lock';
import { checkPorts } from './ports';
import { LOCAL_WORKERS, PARENT_WATCH, supervisor, watchedEnv } from './workers';
import { redactText } from '../shared/log/redact';
import { freshStateDir, processAlive } from '../providers/local/worker-state';

/**
 * How long the workers get to stop: a delivery sweep may be waiting on an outbound call
 * (deliveries.timeoutSeconds); the router and inbox workers stop between events and findings.
 */
const stopCapMs = (timeoutSeconds = 15) => Math.max(30_000, (timeoutSeconds + 10) * 1000);
/** serverless-offline that exits after serving this long is restarted; sooner, npm start stops. */
const RESTART_AFTER_MS = 10_000;

/**
 * The memory store is for tests of one process: under npm start, serverless-offline's functions
 * and each worker would each keep their own, so a subscription made through the API never
 * reaches the delivery worker and replays pass whichever process did not see the first copy.
 */
function refuseProcessMemory(store: string | undefined): void {
  if (store !== 'memory') return;
  throw new Error('store.type memory keeps state inside one process, and npm start runs the HTTP functions and each worker in processes of their own (subscriptions, deliveries and replay records would not be shared): use sqlite, the default, with a throwaway SECORCH_DATA_DIR for state that should not last');
}

async function main(): Promise<number> {
  const config = configPath();
  const dataDir = resolve(process.env.SECORCH_DATA_DIR || '.data');
  const port = process.env.PORT || '3000';
  const env = { ...process.env, SECORCH_DATA_DIR: dataDir, SECORCH_CONFIG: config, PORT: port };
  let capMs: number;
  let stateDir: string;
  let bundle: string;
  try {
    bundle = localBundleName(process.env);
    // The schema, then what the local runtime offers (store, bus, secrets, sealer): the same
    // checks every local function makes at cold start, so a mistake stops start-up here.
    const { config: parsed } = validateConfigFile(config, env);
    refuseProcessMemory(parsed.store?.type);
    ensureDataDir(dataDir);
    await checkPorts(env);
    process.on('exit', lockBundle(join(__dirname, '..', 'dist'), bundle));
    stateDir = freshStateDir(dataDir, process.pid, processAlive);
    capMs = stopCapMs(parsed.deliveries?.timeoutSeconds);
    console.log(`secorch: configuration ${config} is valid (${Object.keys(parsed.sources).length} sources, ${parsed.routes.length} routes)`);
  } catch (e) {
    console.error(`secorch: cannot start: ${(e as Error).message}`);
    return 1;
  }
  await buildAll({ targets: ['local'], quiet: true, config });
  console.log(`secorch: data directory ${dataDir}; starting on http://127.0.0.1:${port}`);

  const workerEntry = (name: string) => join(__dirname, '..', 'dist', bundle, name, 'index.js');
  // The router worker follows the queue, so publishers need not nudge the router through
  // serverless-offline's Lambda invoke API (a whole emulated invocation per burst of events).
  if (existsSync(workerEntry('router-worker'))) Object.assign(env, { SECORCH_ROUTER_NUDGE: 'off' });
  const osls = join(__dirname, '..', 'node_modules', 'osls', 'bin', 'serverless.js');
  const offline = () => spawn(process.execPath, [...PARENT_WATCH, osls, ...OFFLINE_START, '--stage', 'local'], {
    stdio: 'inherit',
    env: { ...watchedEnv(env), SECORCH_ROUTER_FUNCTION: 'secorch-local-eventRouter', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  let child = offline();
  let startedAt = Date.now();
  // Long-running workers beside serverless-offline, on the same SQLite state: the router worker
  // routes queued events; the delivery worker sweeps due outbound webhook attempts; the inbox
  // worker turns reports copied into $SECORCH_DATA_DIR/inbox/ into finding events.
  // Each worker's state goes where GET /health/ready reads it (providers/local/worker-readiness.ts).
  const workers = supervisor({ env, log: (line) => console.error(line), stateDir });
  for (const spec of LOCAL_WORKERS) {
    const entry = workerEntry(spec.name);
    if (existsSync(entry)) workers.supervise({ ...spec, entry });
    else console.error(`secorch: ${entry} was not built; ${spec.impact}`);
  }
  const signals = stopSignals({
    now: () => Date.now(),
    stop: (sig) => {
      workers.signal(sig);
      child.kill(sig);
    },
    kill: () => {
      console.error('secorch: stopping now (SIGKILL): work in hand is redone at the next start');
      workers.killAll();
      child.kill('SIGKILL');
    },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, signals.onSignal);
  return new Promise((done) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      // Every function runs in that one process (scripts/offline.ts): without it nothing answers.
      // One that served for a while and then died (a handler's uncaught error takes the process
      // down) is started again, as the workers are; one that dies at start (a port in use, a
      // broken serverless.yml) would only die again, so npm start stops and says why.
      if (!signals.stopping() && Date.now() - startedAt >= RESTART_AFTER_MS) {
        console.error(`secorch: serverless-offline exited (${signal ?? `code ${code}`}); restarting it in 1 s (HTTP requests are refused meanwhile)`);
        setTimeout(() => {
          if (signals.stopping()) return void workers.stopAll(capMs).then(() => done(0));
          child = offline();
          startedAt = Date.now();
          child.on('exit', onExit);
        }, 1000);
        return;
      }
      if (!signals.stopping()) console.error(`secorch: serverless-offline exited (${signal ?? `code ${code}`}); stopping the workers`);
      // The workers finish what they hold (a batch, a sweep, a finding) and close their databases
      // before npm start returns: whoever removes or copies the data directory next finds it quiet.
      // Stopped by us, a signal is how it ended; otherwise its end is a failure, even by a signal
      // (killed by the out-of-memory killer at start): a script or supervisor reading 0 would
      // take a server that never served for one that was stopped.
      const failed = signals.stopping() ? (code ?? 0) : code || 1;
      void workers.stopAll(capMs).then(() => done(failed));
    };
    child.on('exit', onExit);
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`secorch: ${redactText(String((e as Error).stack ?? e))}`);
    process.exit(1);
  },
);
