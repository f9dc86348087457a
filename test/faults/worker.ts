/**
 * The delivery worker of the fault test: the production loop (providers/local/delivery-loop.ts)
 * over the SQLite state of a data directory, with a compressed clock. The harness kills it with
 * SIGKILL mid-run and starts it again.
 */
import { join } from 'node:path';
import { compileConfig } from '../../shared/config/compile';
import { guardedDeliveryClient } from '../../shared/http/delivery-client';
import { jsonLogger } from '../../shared/log/json-logger';
import { type Deps, mapSecrets, noMetrics, randomIds } from '../../shared/ports';
import { runDeliveryLoop } from '../../providers/local/delivery-loop';
import { keyFileSealer } from '../../providers/local/sealer-keyfile';
import { sqliteStore } from '../../providers/local/sqlite-store';
import { scaledClock } from './scaled-clock';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const dir = env('FAULT_DIR');
const clock = scaledClock(Number(env('FAULT_T0')), Number(env('FAULT_R0')), Number(env('FAULT_SCALE')));
const config = compileConfig(JSON.parse(env('FAULT_CONFIG')), {});
const published: string[] = [];
const deps: Deps = {
  config,
  clock,
  ids: randomIds,
  http: { fetch: () => Promise.reject(new Error('no fetch in the fault worker')) },
  store: sqliteStore({ path: join(dir, 'state.db'), clock }),
  bus: { publish: async (e) => void published.push(e.type), check: async () => undefined },
  secrets: mapSecrets({}),
  sealer: keyFileSealer({ dataDir: dir }),
  outbound: guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: Number(env('FAULT_TIMEOUT_MS')) }),
  // Warnings and errors on stderr (the harness shows them): an unexpected error here is a finding.
  logger: jsonLogger({ level: 'warn', clock, write: (line) => process.stderr.write(`${line}\n`) }),
  metrics: noMetrics,
};
process.on('SIGTERM', () => process.exit(0));
void runDeliveryLoop(deps, { idleMs: 10 });
