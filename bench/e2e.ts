import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/emulators/spawn';
import { fixtureBytes } from '../test/fixtures';
import { type Server, startServer } from './floor/processes';
import { type BenchRow, throughputRows } from './rows';
import { OFFLINE_START } from '../scripts/offline';

/**
 * End to end through `npm start`: HTTP into serverless-offline, the esbuild bundle run in its
 * process (verify, replay claim in SQLite, publish to the SQLite queue), the router worker
 * beside it writing every event to a file. Signed GitHub deliveries (the real code_scanning_alert
 * payload, ~9 KB) are posted by autocannon for a fixed time with a fixed number of connections;
 * only 2xx answers count. Side by side with the emulator's own floor: the same serverless-offline
 * settings serving bench/floor/handler.js, which answers 202 at once, under the same load.
 */
const ROOT = join(__dirname, '..');
const DURATION_S = 10;
const WARMUP_S = 3;
const ROUNDS = 3;
const CONNECTIONS = 10;
const SECRET = 'bench-e2e-github-secret';
const fixture = fixtureBytes('events/github-code_scanning_alert-created.payload.json').toString('utf8');
const CONFIG = {
  sources: { github: { verify: { scheme: 'github', secret: SECRET } } },
  routes: [{ name: 'everything', filter: { prefix: { type: '' } }, to: ['events-file'] }],
  destinations: { 'events-file': { type: 'file', path: '${SECORCH_DATA_DIR}/events.jsonl' } },
};

let deliveries = 0;
const run = `${process.pid}-${Date.now()}`;

/**
 * A new delivery, signed: the real payload with its own alert number and its own delivery id.
 * GitHub signs the body only and its delivery id is not signed, so the receiver also recognises
 * replays by signature: a repeated body would be answered as a duplicate.
 */
function delivery(): { body: Buffer; headers: Record<string, string> } {
  const n = ++deliveries;
  const body = Buffer.from(fixture.replace('"number": 10,', `"number": ${n},`), 'utf8');
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'code_scanning_alert',
    'x-github-delivery': `bench-${run}-${n}`,
    'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
  };
  return { body, headers };
}

const post = (base: string) => {
  const { body, headers } = delivery();
  return fetch(`${base}/webhooks/github`, { method: 'POST', headers, body: body as BodyInit });
};

function load(base: string, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration,
    excludeErrorStats: true,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/github',
        // Signed per request: every request is a new delivery, none is answered as a duplicate.
        setupRequest: (req) => ({ ...req, ...delivery() }),
      },
    ],
  });
}

/** One measured round; 2xx per second. */
async function measure(label: string, server: Server): Promise<number> {
  const r = await load(server.base, DURATION_S);
  const rps = r['2xx'] / r.duration;
  const l = r.latency;
  const statuses = Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => `${code}: ${s.count ?? 0}`).join(', ');
  console.error(
    `e2e ${label}: ${Math.round(rps)} req/s (2xx ${r['2xx']}, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts} in ${r.duration.toFixed(1)} s, ` +
      `${CONNECTIONS} connections; ${statuses}); latency of 2xx ms p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max}`,
  );
  if (r['2xx'] === 0) throw new Error(`bench/e2e: ${label} answered no request with 2xx\n${server.output().slice(-2000)}`);
  return rps;
}

async function withServer<T>(start: () => Promise<Server>, use: (s: Server) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

async function ports() {
  const [http, lambda] = [await freePort(), await freePort()];
  return { base: `http://127.0.0.1:${http}`, env: { PORT: String(http), SECORCH_LAMBDA_PORT: String(lambda) } };
}

async function floor(): Promise<Server> {
  const { base, env } = await ports();
  const osls = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  return startServer([osls, ...OFFLINE_START], { cwd: join(__dirname, 'floor'), env, base, ready: async (b) => (await post(b)).status === 202 });
}

async function npmStart(dataDir: string): Promise<Server> {
  const { base, env } = await ports();
  const config = join(dataDir, 'secorch.yaml');
  writeFileSync(config, JSON.stringify(CONFIG, null, 2)); // YAML is a superset of JSON
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const server = await startServer([tsx, 'scripts/start.ts'], {
    cwd: ROOT,
    env: { ...env, SECORCH_DATA_DIR: dataDir, SECORCH_CONFIG: config },
    base,
    ready: async (b) => (await fetch(`${b}/health`)).status === 200,
  });
  const first = await post(base).catch((e: unknown) => e as Error);
  if (first instanceof Error || first.status !== 202) {
    await server.stop();
    throw new Error(`bench/e2e: npm start refused a signed delivery: ${first instanceof Error ? first.message : `${first.status} ${await first.text()}`}`);
  }
  return server;
}

/**
 * Both servers run side by side and their rounds alternate (floor, ours, floor, ...), each after
 * a warm-up; the best round of each counts. This machine's speed drifts by 2x within minutes
 * (the floor measured 1,500 and 3,600 req/s in two runs ten minutes apart), so one round of
 * each, minutes apart, compared the drift as much as the code. The idle server meanwhile only
 * polls (the local workers look at the queue a few times a second).
 */
export async function e2eBench(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'secorch-bench-e2e-'));
  try {
    return await withServer(floor, (base) => withServer(() => npmStart(dataDir), async (ours) => {
      await load(base.base, WARMUP_S);
      await load(ours.base, WARMUP_S);
      const best = { base: 0, ours: 0 };
      for (let r = 0; r < ROUNDS; r++) {
        best.base = Math.max(best.base, await measure('serverless-offline trivial handler', base));
        best.ours = Math.max(best.ours, await measure('npm start', ours));
      }
      return throughputRows('e2e.npm-start', 'req/s', best.ours, { 'serverless-offline trivial handler': best.base });
    }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
