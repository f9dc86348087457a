import type { CloudEvent } from '../../shared/events/cloudevent';
import type { DeliveryDeps } from '../../shared/delivery/engine/deps';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import { keys } from '../../shared/delivery/keys';
import type { Delivery } from '../../shared/delivery/model';
import type { DeliveryClient } from '../../shared/http/delivery-client';
import { testDeps } from '../../test/deps';
import type { StateStore } from '../../shared/ports/store';
import { runDeliveryLoop } from './delivery-loop';

/** The local delivery worker's loop: one failed sweep must not end it (it runs for the whole of `npm start`). */
const until = async (fn: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !fn(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > end) throw new Error('timed out');
  }
};

test('a sweep that fails is logged and the loop sweeps again; it stops on abort', async () => {
  const { deps } = testDeps();
  const errors: string[] = [];
  deps.logger = { ...deps.logger, error: (msg: string) => void errors.push(msg) };
  const store = deps.store;
  let sweeps = 0;
  // The sweep reads the due index with list: the first read fails as a locked or damaged file would.
  const failingOnce: StateStore = {
    ...store,
    list: async (prefix, opts) => {
      if (++sweeps === 1) throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
      return store.list(prefix, opts);
    },
  };
  deps.store = failingOnce;
  // Nothing is due, so nothing is sent: the engine only requires the port to be there.
  deps.outbound = {} as DeliveryClient;
  const stop = new AbortController();
  const loop = runDeliveryLoop(deps, { idleMs: 1, signal: stop.signal });
  try {
    await until(() => sweeps >= 3, 15_000); // a bound for a loaded machine, not an expected time
  } finally {
    stop.abort();
    await loop;
  }
  expect(errors).toEqual(['delivery sweep failed']);
});

/**
 * A receiver that does not answer holds its attempt for the delivery deadline (15 s, up to 120 s
 * configured): the retries that come due meanwhile must still be looked for at least every second.
 */
test('a retry that comes due while another attempt hangs is made without waiting for it', async () => {
  const t = testDeps();
  const { clock } = t;
  const calls: string[] = [];
  let release = () => {};
  const hanging = new Promise<void>((r) => (release = r));
  const answer = (status: number) => ({ status, headers: new Headers(), headerRecord: {}, body: new Uint8Array(), truncated: false, durationMs: 1 });
  const outbound = {
    send: async (url: string) => {
      calls.push(url);
      if (url.startsWith('https://slow.')) return hanging.then(() => answer(204));
      return answer(calls.filter((u) => u === url).length === 1 ? 500 : 204);
    },
    close: async () => {},
  } as DeliveryClient;
  // No jitter: the retry is due exactly 5 s after the first attempt.
  const deps: DeliveryDeps = { ...t.deps, random: () => 0.5, outbound };
  const { sub: fast } = await seedSubscription(deps, { url: 'https://fast.example/hook', filter: { exact: { source: 'test/fast' } } });
  await seedSubscription(deps, { url: 'https://slow.example/hook', filter: { exact: { source: 'test/slow' } } });
  const event = (source: string, id: string): CloudEvent => ({ specversion: '1.0', id, source, type: 'secorch.finding.created', tenant: 'default' });
  const fastDelivery = async () => {
    const page = await deps.store.list(keys.deliveries('default'));
    return page.items.map((i) => JSON.parse(i.value) as Delivery).find((d) => d.subscriptionId === fast.id);
  };

  const stop = new AbortController();
  const loop = runDeliveryLoop(deps, { idleMs: 1, signal: stop.signal });
  try {
    await fanOut(event('test/fast', 'f1'), deps);
    // Its first attempt fails (500): a retry 5 s later is recorded with it.
    let failed: Delivery | undefined;
    for (const end = Date.now() + 15_000; failed?.attempts.length !== 1; await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > end) throw new Error('timed out');
      failed = await fastDelivery();
    }
    const retryAt = failed.nextAttemptAt!;
    expect(Date.parse(retryAt)).toBe(clock.now() + 5_000);
    await fanOut(event('test/slow', 's1'), deps);
    await until(() => calls.some((u) => u.startsWith('https://slow.')), 15_000);
    clock.advance(Date.parse(retryAt) - clock.now());
    await until(() => calls.filter((u) => u.startsWith('https://fast.')).length === 2, 15_000);
  } finally {
    release();
    stop.abort();
    await loop;
  }
  expect((await fastDelivery())?.status).toBe('succeeded');
});

test('no more than maxSweeps sweeps run at once; one that ends makes room for the next', async () => {
  const { deps } = testDeps();
  deps.outbound = {} as DeliveryClient;
  const store = deps.store;
  // Each sweep's read of the due index waits until the test lets it go, oldest first.
  const held: Array<() => void> = [];
  let inFlight = 0;
  let most = 0;
  let reads = 0;
  deps.store = {
    ...store,
    list: async (prefix, opts) => {
      reads += 1;
      most = Math.max(most, ++inFlight);
      await new Promise<void>((r) => held.push(r));
      inFlight -= 1;
      return store.list(prefix, opts);
    },
  };
  const stop = new AbortController();
  const loop = runDeliveryLoop(deps, { idleMs: 1, maxSweeps: 2, signal: stop.signal });
  try {
    for (let round = 0; round < 5; round++) {
      await until(() => held.length >= 2, 15_000);
      held.shift()!();
    }
    await until(() => reads >= 6, 15_000);
  } finally {
    stop.abort();
    while (held.length) held.shift()!();
    await loop;
  }
  expect(most).toBe(2);
});

test('the sweeps side by side share the attempts in flight: never more than concurrency at once', async () => {
  const { deps } = testDeps();
  await seedSubscription(deps, { url: 'https://slow.example/hook' });
  let gate = () => {};
  const open = new Promise<void>((r) => (gate = r));
  let inFlight = 0;
  let most = 0;
  deps.outbound = {
    send: async () => {
      most = Math.max(most, ++inFlight);
      await open;
      inFlight -= 1;
      return { status: 204, headers: new Headers(), headerRecord: {}, body: new Uint8Array(), truncated: false, durationMs: 1 };
    },
    close: async () => {},
  } as DeliveryClient;
  for (let i = 0; i < 10; i++) {
    await fanOut({ specversion: '1.0', id: `e${i}`, source: 'test/slow', type: 'secorch.finding.created', tenant: 'default' }, deps);
  }
  const succeeded = async () =>
    (await deps.store.list(keys.deliveries('default'))).items.filter((i) => (JSON.parse(i.value) as Delivery).status === 'succeeded').length;
  const stop = new AbortController();
  const loop = runDeliveryLoop(deps, { idleMs: 1, maxSweeps: 2, concurrency: 4, signal: stop.signal });
  try {
    // Two sweeps of two lanes each, all four attempts waiting on the receiver: the loop waits too.
    await until(() => inFlight >= 4, 15_000);
    gate();
    let done = 0;
    for (const end = Date.now() + 15_000; done < 10; await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > end) throw new Error('timed out');
      done = await succeeded();
    }
  } finally {
    gate();
    stop.abort();
    await loop;
  }
  expect(most).toBe(4);
});
