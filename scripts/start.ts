/**
 * `npm start`: validate the configuration (exit non-zero naming the problem before anything
 * listens), build the local bundles with it, then run the whole function set in the foreground
 * under serverless-offline on http://127.0.0.1:$PORT (default 3000) with no stage prefix.
 */
import { spawn } from 'node:child_process';
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

  const osls = join(__dirname, '..', 'node_modules', 'osls', 'bin', 'serverless.js');
  const child = spawn(process.execPath, [osls, 'offline', 'start', '--stage', 'local'], {
    stdio: 'inherit',
    env: { ...env, SECORCH_ROUTER_FUNCTION: 'secorch-local-eventRouter', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  // Long-running workers beside serverless-offline, on the same SQLite state: the delivery worker
  // sweeps due outbound webhook attempts; the inbox worker turns reports copied into
  // $SECORCH_DATA_DIR/inbox/ into finding events.
  const bundle = process.env.SECORCH_LOCAL_BUNDLE || 'local';
  let stopping = false;
  const workers = [
    ['delivery-worker', 'outbound webhooks are paused until restart'],
    ['inbox-worker', 'reports in the inbox are not ingested until restart'],
  ].flatMap(([name, impact]) => {
    const entry = join(__dirname, '..', 'dist', bundle, name!, 'index.js');
    if (!existsSync(entry)) {
      console.error(`secorch: ${entry} was not built; ${impact}`);
      return [];
    }
    const worker = spawn(process.execPath, [entry], { stdio: 'inherit', env });
    worker.on('exit', (code, signal) => {
      if (!stopping) console.error(`secorch: ${name} exited (${signal ?? code}); ${impact}`);
    });
    return worker;
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      stopping = true;
      for (const worker of workers) worker.kill(sig);
      child.kill(sig);
    });
  }
  return new Promise((done) => child.on('exit', (code, signal) => {
    stopping = true;
    for (const worker of workers) worker.kill('SIGTERM');
    done(code ?? (signal ? 0 : 1));
  }));
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`secorch: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
