import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { sqliteStore } from '../providers/local/sqlite-store';
import { fanOut } from '../shared/delivery/engine/fanout';
import type { DeliveryDeps } from '../shared/delivery/engine/deps';
import { sweepDue } from '../shared/delivery/engine/sweep';
import { seedSubscription } from '../shared/delivery/engine/testkit';
import { keys } from '../shared/delivery/keys';
import type { Delivery } from '../shared/delivery/model';
import type { CloudEvent } from '../shared/events/cloudevent';
import { guardedDeliveryClient } from '../shared/http/delivery-client';
import { systemClock } from '../shared/ports';
import { memorySealer } from '../shared/ports/sealer';
import { memoryStore } from '../shared/store/memory';
import { testDeps } from '../test/deps';
import type { BenchRow } from './rows';

/**
 * Outbound webhook delivery throughput: signed deliveries per second from the real engine to a
 * local keep-alive receiver (node:http answering 204 at once), side by side with a bare undici
 * request loop at the same concurrency, plus the peak RSS of each.
 *
 * Ours: one subscription pointing at the receiver; N events fanned out (one pending delivery
 * each, untimed), then `sweepDue` at concurrency C repeated until nothing is due. Only the sweep
 * is timed: for every delivery it reads the record, takes the lease, reads the subscription and
 * the event, consults the breaker, builds and signs the CloudEvent body (Standard Webhooks),
 * POSTs it through the egress-guarded client and writes the outcome. Once with the SQLite state
 * store in a temp dir (the local default), once with the memory store, so the store's share shows.
 * Baseline: C lanes of `agent.request` (undici Agent, keep-alive) POSTing a body of the same size,
 * N requests in all, each response body read.
 *
 * Each side runs in a fresh child process (this file, run as a script) and the receiver lives
 * here in the parent: the client under test then has its own event loop, and its RSS is neither
 * the receiver's nor what an earlier side left in the heap. Every child loads the same modules
 * (this file's imports), so the RSS rows compare working memory, not code loaded. Rounds are
 * interleaved (sqlite, memory, undici, sqlite, ...); the best throughput round counts and the
 * highest peak RSS of any round is reported.
 */
const N = 5000;
const CONCURRENCY = 32;
/** Untimed deliveries first in every child, so the JIT and the connection pool are warm. */
const WARMUP = 500;
const ROUNDS = 3;
const SAMPLE_MS = 50;
const MB = 1024 * 1024;

type Side = 'sqlite' | 'memory' | 'undici';
const SIDES: readonly Side[] = ['sqlite', 'memory', 'undici'];

interface RunResult {
  side: Side;
  /** Requests the child sent in all (warm-up included): the receiver must have seen exactly these. */
  sent: number;
  perSecond: number;
  peakRssMB: number;
  startRssMB: number;
  fanOutPerSecond?: number;
  bodyBytes: number;
}

/** A security finding as the router hands it to fan-out (~1 KB as JSON). */
function finding(i: number): CloudEvent {
  return {
    specversion: '1.0',
    id: `bench-evt-${String(i).padStart(8, '0')}`,
    source: 'secorch/github',
    type: 'secorch.finding.created',
    time: '2026-01-01T00:00:00.000Z',
    subject: 'acme/payments-api',
    datacontenttype: 'application/json',
    tenant: 'default',
    origin: 'webhook:github',
    data: {
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      severity_id: 4,
      severity: 'High',
      status: 'New',
      time: 1767225600000,
      finding_info: {
        uid: `github:acme/payments-api:code_scanning:${1000 + i}`,
        title: 'Database query built from user-controlled sources',
        desc: 'Building a SQL or Java Persistence query from user-controlled sources is vulnerable to insertion of malicious code by the user.',
        types: ['code_scanning', 'CWE-089'],
        src_url: `https://github.com/acme/payments-api/security/code-scanning/${1000 + i}`,
      },
      resources: [{ type: 'repository', uid: 'acme/payments-api', name: 'payments-api', data: { ref: 'refs/heads/main', path: 'src/main/java/com/acme/payments/LedgerDao.java', line: 118 } }],
      metadata: { product: { name: 'CodeQL', vendor_name: 'GitHub', version: '2.20.1' }, version: '1.3.0' },
      unmapped: { rule: 'java/sql-injection', tool: 'CodeQL', state: 'open' },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Child side: one run of one side, its result as JSON on stdout.

/** Peak process RSS while `work` runs, sampled every SAMPLE_MS (and at both ends). */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number; start: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), SAMPLE_MS);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peak, start };
  } finally {
    clearInterval(timer);
  }
}

async function oursRun(store: 'sqlite' | 'memory', url: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'secorch-bench-delivery-'));
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] } });
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: 15_000 });
  const sqlite = store === 'sqlite' ? sqliteStore({ path: join(dir, 'state.db'), clock: systemClock }) : undefined;
  // The real clock: attempts are due at creation and the sweep sees them due at once.
  const deps: DeliveryDeps = {
    ...t.deps, clock: systemClock, store: sqlite ?? memoryStore(systemClock), sealer: memorySealer(), outbound, random: Math.random,
  };
  try {
    await seedSubscription(deps, { url });
    let next = 0;
    const fan = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const { created } = await fanOut(finding(next++), deps);
        if (created.length !== 1) throw new Error(`bench/delivery: fan-out created ${created.length} deliveries`);
      }
    };
    const drain = async () => {
      let succeeded = 0;
      for (;;) {
        const r = await sweepDue(deps, { concurrency: CONCURRENCY });
        const other = r.stale + r.busy + r.deferred + r.retrying + r.failed + r.errors;
        if (other > 0) throw new Error(`bench/delivery: a sweep did more than succeed: ${JSON.stringify(r)}`);
        if (r.succeeded === 0) return succeeded;
        succeeded += r.succeeded;
      }
    };

    await fan(WARMUP);
    if ((await drain()) !== WARMUP) throw new Error('bench/delivery: warm-up did not deliver everything');
    const fanStart = performance.now();
    await fan(N);
    const fanOutPerSecond = (N * 1000) / (performance.now() - fanStart);

    // Timed: the sweep only (the delivery work), not the fan-out before it.
    const { result, peak, start } = await withPeakRss(async () => {
      const t0 = performance.now();
      const delivered = await drain();
      return { delivered, ms: performance.now() - t0 };
    });
    if (result.delivered !== N) throw new Error(`bench/delivery: delivered ${result.delivered} of ${N}`);

    // Every delivery record must say succeeded, with one attempt answered 204.
    let total = 0;
    let after: string | undefined;
    do {
      const page = await deps.store.list(keys.deliveries('default'), { limit: 1000, after });
      for (const item of page.items) {
        const d = JSON.parse(item.value) as Delivery;
        if (d.status !== 'succeeded' || d.attempts.length !== 1 || d.attempts[0]!.status !== 204) {
          throw new Error(`bench/delivery: delivery ${d.id} is ${d.status} after ${JSON.stringify(d.attempts)}`);
        }
      }
      total += page.items.length;
      after = page.next;
    } while (after);
    if (total !== WARMUP + N) throw new Error(`bench/delivery: ${total} delivery records, expected ${WARMUP + N}`);

    return {
      side: store, sent: WARMUP + N, perSecond: (N * 1000) / result.ms, peakRssMB: peak / MB, startRssMB: start / MB,
      fanOutPerSecond, bodyBytes: Buffer.byteLength(JSON.stringify(finding(0))),
    };
  } finally {
    await outbound.close();
    sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function undiciRun(url: string): Promise<RunResult> {
  const { origin, pathname } = new URL(url);
  // Same size as our deliveries' bodies (the event as JSON, no transform).
  const body = JSON.stringify(finding(0));
  const agent = new Agent();
  const loop = async (n: number) => {
    let left = n;
    const lane = async () => {
      while (left > 0) {
        left -= 1;
        const res = await agent.request({ origin, path: pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.body.text();
        if (res.statusCode !== 204) throw new Error(`bench/delivery: baseline answered ${res.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  };
  try {
    await loop(WARMUP);
    const { result: ms, peak, start } = await withPeakRss(async () => {
      const t0 = performance.now();
      await loop(N);
      return performance.now() - t0;
    });
    return { side: 'undici', sent: WARMUP + N, perSecond: (N * 1000) / ms, peakRssMB: peak / MB, startRssMB: start / MB, bodyBytes: Buffer.byteLength(body) };
  } finally {
    await agent.close();
  }
}

async function child(side: Side, url: string): Promise<void> {
  const result = side === 'undici' ? await undiciRun(url) : await oursRun(side, url);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent side: the receiver, the rounds, the rows.

/** The keep-alive receiver: reads each body, answers 204; counts requests and signed ones. */
async function keepAliveReceiver() {
  const counts = { requests: 0, signed: 0 };
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      counts.requests += 1;
      if (req.headers['webhook-signature']) counts.signed += 1;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    counts,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Runs one side in a fresh process (this file under the same loader, tsx) and parses its result. */
function runChild(side: Side, url: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, __filename, side, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => void (out += s));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench/delivery: the ${side} run exited ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as RunResult);
      } catch (e) {
        reject(new Error(`bench/delivery: no result from the ${side} run: ${out}`, { cause: e }));
      }
    });
  });
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function deliveryBench(): Promise<BenchRow[]> {
  const rx = await keepAliveReceiver();
  const best = new Map<Side, RunResult>();
  const peak = new Map<Side, number>();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of SIDES) {
        const before = { ...rx.counts };
        const got = await runChild(side, rx.url);
        const requests = rx.counts.requests - before.requests;
        const signed = rx.counts.signed - before.signed;
        if (requests !== got.sent) throw new Error(`bench/delivery: the receiver got ${requests} requests from the ${side} run, which sent ${got.sent}`);
        if (side !== 'undici' && signed !== got.sent) throw new Error(`bench/delivery: ${got.sent - signed} of the ${side} run's deliveries were unsigned`);
        console.error(
          `delivery ${side} round ${r + 1}: ${Math.round(got.perSecond)}/s, rss ${got.startRssMB.toFixed(0)} -> peak ${got.peakRssMB.toFixed(0)} MB, ` +
            `body ${got.bodyBytes} B${got.fanOutPerSecond ? `, fan-out ${Math.round(got.fanOutPerSecond)}/s (untimed)` : ''}`,
        );
        if (got.perSecond > (best.get(side)?.perSecond ?? 0)) best.set(side, got);
        peak.set(side, Math.max(peak.get(side) ?? 0, got.peakRssMB));
      }
    }
  } finally {
    await rx.close();
  }
  const base = best.get('undici')!;
  const baseline = `undici Agent.request loop, c=${CONCURRENCY}`;
  const baselinePeak = peak.get('undici')!;
  return (['sqlite', 'memory'] as const).flatMap((side): BenchRow[] => {
    const name = `delivery.signed.${side}`;
    return [
      { name, value: Math.round(best.get(side)!.perSecond), unit: 'deliveries/s', baseline, ratio: round3(best.get(side)!.perSecond / base.perSecond) },
      // Lower is better: the ratio is baseline over ours, so above 1 means less memory than the baseline.
      { name: `${name}.peak-rss`, value: round1(peak.get(side)!), unit: 'MB', baseline: `${baseline} (${round1(baselinePeak)} MB)`, ratio: round3(baselinePeak / peak.get(side)!) },
    ];
  });
}

if (require.main === module) {
  const [side, url] = process.argv.slice(2);
  if (!SIDES.includes(side as Side) || !url) throw new Error('usage: bench/delivery.ts sqlite|memory|undici <receiver url>');
  child(side as Side, url).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
