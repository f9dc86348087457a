import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDeps } from '../../test/deps';
import { runRouterLoop } from './router-loop';
import { type SqliteQueue, sqliteQueue } from './sqlite-queue';

/** The local router worker's loop on a real queue file, fed by another connection as ingress would. */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-router-loop-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const until = async (fn: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !fn(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) throw new Error('timed out');
  }
};

it('routes what another connection commits, acks it, and stops on abort', async () => {
  const out = join(dir, 'events.jsonl');
  const { deps } = testDeps({
    routes: [{ name: 'all', filter: { prefix: { type: '' } }, to: ['file'] }],
    destinations: { file: { type: 'file', path: out } },
  });
  const path = join(dir, 'queue.db');
  const [consumer, producer] = [sqliteQueue({ path, clock: deps.clock }), sqliteQueue({ path, clock: deps.clock })];
  let looked = 0;
  const counting: SqliteQueue = { ...consumer, changed: () => (looked++, consumer.changed()) };
  const stop = new AbortController();
  const loop = runRouterLoop(deps, counting, { pollMs: 5, signal: stop.signal });
  try {
    // The deps' clock is fixed, so only changed() (not the one-second full claim) can wake the loop.
    // Its second look comes after its first full claim: from then on only changed() can find these,
    // however long a loaded machine took to get there (a fixed wait could still be short of it).
    await until(() => looked >= 2, 10_000);
    for (const id of ['e1', 'e2']) {
      producer.enqueue(JSON.stringify({ specversion: '1.0', id, source: 'test', type: 'test.ping', data: { id } }));
    }
    await until(() => existsSync(out) && readFileSync(out, 'utf8').trim().split('\n').length === 2, 10_000);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['e1', 'e2']);
    await until(() => producer.depth().leased === 0, 10_000);
    expect(producer.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
  } finally {
    // Also on a failure above: a loop left running keeps jest from ending.
    stop.abort();
    await loop;
    consumer.close();
    producer.close();
  }
});

it('keeps running after a drain that throws (the queue file busy or damaged), logging it', async () => {
  const out = join(dir, 'events.jsonl');
  const { deps } = testDeps({
    routes: [{ name: 'all', filter: { prefix: { type: '' } }, to: ['file'] }],
    destinations: { file: { type: 'file', path: out } },
  });
  const errors: string[] = [];
  deps.logger = { ...deps.logger, error: (msg: string) => void errors.push(msg) };
  const path = join(dir, 'queue.db');
  const [consumer, producer] = [sqliteQueue({ path, clock: deps.clock }), sqliteQueue({ path, clock: deps.clock })];
  let claims = 0;
  const failingOnce: SqliteQueue = {
    ...consumer,
    claim: (max, leaseMs) => {
      if (++claims === 1) throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
      return consumer.claim(max, leaseMs);
    },
  };
  const stop = new AbortController();
  const loop = runRouterLoop(deps, failingOnce, { pollMs: 5, signal: stop.signal });
  try {
    await until(() => claims >= 1, 10_000);
    producer.enqueue(JSON.stringify({ specversion: '1.0', id: 'after-error', source: 'test', type: 'test.ping' }));
    await until(() => existsSync(out), 10_000);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['after-error']);
    expect(errors).toEqual(['router drain failed']);
  } finally {
    stop.abort();
    await loop;
    consumer.close();
    producer.close();
  }
});

it('keeps running when the check for new commits throws (the queue file unreadable for a moment)', async () => {
  const out = join(dir, 'events.jsonl');
  const { deps } = testDeps({
    routes: [{ name: 'all', filter: { prefix: { type: '' } }, to: ['file'] }],
    destinations: { file: { type: 'file', path: out } },
  });
  const errors: string[] = [];
  deps.logger = { ...deps.logger, error: (msg: string) => void errors.push(msg) };
  const path = join(dir, 'queue.db');
  const [consumer, producer] = [sqliteQueue({ path, clock: deps.clock }), sqliteQueue({ path, clock: deps.clock })];
  let checks = 0;
  const failingOnce: SqliteQueue = {
    ...consumer,
    changed: () => {
      if (++checks === 1) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      return consumer.changed();
    },
  };
  const stop = new AbortController();
  const loop = runRouterLoop(deps, failingOnce, { pollMs: 5, signal: stop.signal });
  let ended: unknown;
  const over = loop.then(() => void (ended = 'ended'), (e: unknown) => void (ended = e));
  try {
    await until(() => checks >= 2 || ended !== undefined, 10_000);
    expect(ended).toBeUndefined();
    producer.enqueue(JSON.stringify({ specversion: '1.0', id: 'after-error', source: 'test', type: 'test.ping' }));
    await until(() => existsSync(out), 10_000);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['after-error']);
    expect(errors).toEqual(['router drain failed']);
  } finally {
    stop.abort();
    await over;
    expect(ended).toBe('ended');
    consumer.close();
    producer.close();
  }
});

it('a clock set back (NTP stepping it) does not stop the one-second full claims for retries coming due', async () => {
  const { deps, clock } = testDeps();
  const path = join(dir, 'queue.db');
  const consumer = sqliteQueue({ path, clock: deps.clock });
  let claims = 0;
  let looks = 0;
  // Nothing is committed by others: only the full claim (each drain makes one) can find a retry.
  const counting: SqliteQueue = { ...consumer, changed: () => (looks++, false), claim: (max, leaseMs) => (claims++, consumer.claim(max, leaseMs)) };
  const stop = new AbortController();
  const loop = runRouterLoop(deps, counting, { pollMs: 5, signal: stop.signal });
  try {
    await until(() => claims >= 1, 10_000);
    clock.set(clock.now() - 3_600_000);
    // The last claim is now an hour ahead of the clock: it used to wait for the clock to get there.
    await until(() => claims >= 2, 10_000);
    // From then on a second of the clock apart again, not at every look.
    const seen = looks;
    await until(() => looks >= seen + 20, 10_000);
    expect(claims).toBe(2);
    clock.advance(1000);
    await until(() => claims >= 3, 10_000);
  } finally {
    stop.abort();
    await loop;
    consumer.close();
  }
});
