import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../shared/config/compile';
import { keys } from '../../shared/delivery/keys';
import type { Delivery } from '../../shared/delivery/model';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { silentLogger } from '../../shared/log/json-logger';
import { type Deps, mapSecrets, noMetrics, randomIds } from '../../shared/ports';
import { keyFileSealer } from '../../providers/local/sealer-keyfile';
import { sqliteStore } from '../../providers/local/sqlite-store';
import { countRepeats, type RepeatCounts } from './repeats';
import { scaledClock } from './scaled-clock';

/**
 * The delivery fault test: N events to three subscribers that answer 500 at random, time out,
 * answer 429 with Retry-After, or 410, while the delivery worker process is killed (SIGKILL) and
 * restarted mid-run. The retry schedule runs on a compressed clock. Afterwards every (event,
 * subscription) has a delivery that either succeeded or failed with its attempts recorded;
 * receivers saw one webhook-id per delivery, and a second 2xx for the same id only for attempts
 * that were in flight at the kill, or for an attempt recorded as a timeout whose answer came after
 * the client's deadline (repeats.ts tells them apart).
 */
export interface FaultOptions {
  events: number;
  /** Virtual ms per real ms. */
  scale: number;
  /** Kill the worker once receivers have answered this many requests. */
  killAfterRequests: number;
  /** Real ms the delivery client waits before a timeout. */
  timeoutMs?: number;
  deadlineMs: number;
  log?: (line: string) => void;
}

export interface FaultReport extends RepeatCounts {
  deliveries: number;
  succeeded: number;
  failed: number;
  pending: number;
  missing: number;
  failedWithoutFullLog: number;
  requests: number;
  idsPerDelivery: number;
  killedAtRequest: number;
  realMs: number;
}

/** mulberry32: a seeded PRNG, so each run's fault mix is reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Behaviour = (n: number) => { status: number; headers?: Record<string, string> } | 'hang';

function flaky(seed: number): Behaviour {
  const r = prng(seed);
  return () => {
    const x = r();
    if (x < 0.2) return { status: 500 };
    if (x < 0.3) return 'hang';
    if (x < 0.42) return { status: 429, headers: { 'retry-after': '120' } };
    return { status: 200 };
  };
}

/** Fails for a while, then answers 410 Gone for good: the subscription gets disabled. */
const goneAfter = (n: number): Behaviour => (i) => (i <= n ? { status: 500 } : { status: 410 });

interface Rx {
  url: string;
  server: Server;
  requests: number;
  successById: Map<string, number>;
  requestsById: Map<string, number>;
  idsByEvent: Map<string, Set<string>>;
}

async function startReceiver(behave: Behaviour): Promise<Rx> {
  const rx: Rx = { url: '', server: undefined as unknown as Server, requests: 0, successById: new Map(), requestsById: new Map(), idsByEvent: new Map() };
  rx.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      rx.requests += 1;
      const id = String(req.headers['webhook-id']);
      rx.requestsById.set(id, (rx.requestsById.get(id) ?? 0) + 1);
      const eventId = (JSON.parse(Buffer.concat(chunks).toString()) as CloudEvent).id;
      const ids = rx.idsByEvent.get(eventId) ?? new Set();
      rx.idsByEvent.set(eventId, ids.add(id));
      const answer = behave(rx.requests);
      if (answer === 'hang') return void setTimeout(() => res.destroy(), 2000);
      if (answer.status < 300) rx.successById.set(id, (rx.successById.get(id) ?? 0) + 1);
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  rx.server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => rx.server.listen(0, '127.0.0.1', r));
  rx.url = `http://127.0.0.1:${(rx.server.address() as AddressInfo).port}/hook`;
  return rx;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFaults(opts: FaultOptions): Promise<FaultReport> {
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'secorch-faults-'));
  const started = Date.now();
  const t0 = Date.now();
  const clock = scaledClock(t0, started, opts.scale);
  const rawConfig = {
    egress: { allowPrivate: ['127.0.0.0/8'] },
    // A lease of three real seconds, in virtual seconds; the breaker and schedule stay the
    // defaults. An attempt (200 ms of timeout at most) outlives a lease only when the machine
    // stalls the worker that long: with one second, a loaded machine (a full test run beside
    // other work) let leases lapse under attempts still running, and their answers came twice.
    deliveries: { leaseSeconds: opts.scale * 3, timeoutSeconds: ((opts.timeoutMs ?? 200) / 1000) },
  };
  const store = sqliteStore({ path: join(dir, 'state.db'), clock });
  const deps: Deps = {
    config: compileConfig(rawConfig, {}), clock, ids: randomIds, http: { fetch: () => Promise.reject(new Error('unused')) }, store,
    bus: { publish: async () => undefined, check: async () => undefined }, secrets: mapSecrets({}), sealer: keyFileSealer({ dataDir: dir }),
    logger: silentLogger, metrics: noMetrics,
  };
  const receivers = [await startReceiver(flaky(1)), await startReceiver(flaky(2)), await startReceiver(goneAfter(30))];
  const subs = [];
  for (const rx of receivers) subs.push((await seedSubscription(deps, { url: rx.url })).sub);
  for (let i = 0; i < opts.events; i++) {
    const event: CloudEvent = { specversion: '1.0', id: `evt-${i}`, source: 'faults', type: 'secorch.finding.created', tenant: 'default', data: { i } };
    await fanOut(event, deps);
  }
  log(`fan-out of ${opts.events} events x ${subs.length} subscriptions: ${Date.now() - started} ms`);

  const env = {
    ...process.env, FAULT_DIR: dir, FAULT_T0: String(t0), FAULT_R0: String(started), FAULT_SCALE: String(opts.scale),
    FAULT_CONFIG: JSON.stringify(rawConfig), FAULT_TIMEOUT_MS: String(opts.timeoutMs ?? 200),
  };
  // node itself runs the worker (tsx as a loader, not its CLI, which would put a process between
  // us and the worker): SIGKILL must hit the process that holds the connections and the leases.
  const startWorker = (): ChildProcess =>
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'worker.ts')], { cwd: join(__dirname, '..', '..'), env, stdio: ['ignore', 'ignore', 'inherit'] });
  let worker = startWorker();
  const total = () => receivers.reduce((n, r) => n + r.requests, 0);
  let killedAtRequest = -1;
  const expected = opts.events * subs.length;
  let last = { succeeded: 0, failed: 0, pending: expected, all: [] as Delivery[] };
  try {
    for (;;) {
      if (killedAtRequest < 0 && total() >= opts.killAfterRequests) {
        killedAtRequest = total();
        worker.kill('SIGKILL');
        log(`worker killed at ${killedAtRequest} requests (${Date.now() - started} ms)`);
        await new Promise((r) => worker.once('exit', r));
        await sleep(200);
        worker = startWorker();
      }
      await sleep(killedAtRequest < 0 ? 50 : 500);
      if (killedAtRequest < 0) continue;
      // Every pending delivery keeps a due key until its last attempt is recorded: polling that
      // index is cheap, where reading every record each time would stall the receivers, which
      // share this process, past the client's deadline.
      if ((await deps.store.list(keys.duePrefix, { limit: 1 })).items.length === 0) break;
      if (Date.now() - started > opts.deadlineMs) {
        log('deadline reached with deliveries still due');
        break;
      }
    }
    last = await census(deps, expected);
  } finally {
    worker.kill('SIGKILL');
    await Promise.all(receivers.map((r) => new Promise((done) => { r.server.closeAllConnections(); r.server.close(done); })));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const schedule = 8;
  const idsPerEvent = receivers.flatMap((r) => [...r.idsByEvent.values()].map((s) => s.size));
  return {
    deliveries: last.all.length,
    succeeded: last.succeeded,
    failed: last.failed,
    pending: last.pending,
    missing: expected - last.all.length,
    // A failure must show its attempts: the whole schedule, or a stop by 410 / a disabled subscription.
    failedWithoutFullLog: last.all.filter((d) => d.status === 'failed' && d.attempts.length < schedule && !/gone|subscription_disabled/.test(d.lastError ?? '')).length,
    requests: total(),
    ...countRepeats(receivers, last.all),
    idsPerDelivery: Math.max(0, ...idsPerEvent),
    killedAtRequest,
    realMs: Date.now() - started,
  };
}

async function census(deps: Deps, expected: number) {
  const all: Delivery[] = [];
  let after: string | undefined;
  do {
    const page = await deps.store.list(keys.deliveries('default'), { limit: 1000, after });
    all.push(...page.items.map((i) => JSON.parse(i.value) as Delivery));
    after = page.next;
  } while (after);
  const count = (s: string) => all.filter((d) => d.status === s).length;
  return { all, succeeded: count('succeeded'), failed: count('failed'), pending: expected - count('succeeded') - count('failed') };
}
