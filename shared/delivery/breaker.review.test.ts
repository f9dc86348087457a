import type { CloudEvent } from '../events/cloudevent';
import type { DeliveryClient } from '../http/delivery-client';
import type { BreakerState } from './breaker';
import { keys } from './keys';
import type { Delivery } from './model';
import type { DeliveryDeps } from './engine/deps';
import { fanOut } from './engine/fanout';
import { processDue } from './engine/attempt';
import { deliveryEngine, receiver, seedSubscription } from './engine/testkit';

/**
 * Attempts that outlive a change of the breaker (a request may run up to its 120 s deadline):
 * the real engine over real HTTP to a receiver on 127.0.0.1, the injected clock. The client is
 * wrapped only to hold an answer that has come back until the test lets the engine read it, so
 * the order in which slow attempts finish is the test's to choose.
 */
const event = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
  datacontenttype: 'application/json', data: { title: id },
});

const S = 1000;
const OPEN_MS = 60 * S;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** Answers to requests whose body names a held event wait for `release(id)`; `arrived(id)` resolves once one is back. */
function holdingClient(client: DeliveryClient, held: string[]) {
  const gates = new Map(held.map((id) => {
    let release!: () => void;
    let arrived!: () => void;
    const gate = { released: new Promise<void>((r) => { release = r; }), back: new Promise<void>((r) => { arrived = r; }) };
    return [id, { ...gate, release, arrived }] as const;
  }));
  const wrapped: DeliveryClient = {
    close: () => client.close(),
    send: async (url, request) => {
      const res = await client.send(url, request);
      const gate = [...gates].find(([id]) => String(request.body).includes(`"${id}"`))?.[1];
      if (gate) {
        gate.arrived();
        await gate.released;
      }
      return res;
    },
  };
  return { client: wrapped, release: (id: string) => gates.get(id)!.release(), arrived: (id: string) => gates.get(id)!.back };
}

async function setup() {
  const e = deliveryEngine({ deliveries: { timeoutSeconds: 120, breaker: { failureThreshold: 2, openForMs: OPEN_MS } } });
  // Every event fails but the probe's and the late success's.
  const rx = await receiver((r) => (/"(probe|late)"/.test(r.body) ? { status: 204 } : { status: 500 }));
  closers.push(e.close, rx.close);
  const { sub } = await seedSubscription(e.deps, { url: rx.url });
  const hold = holdingClient(e.deps.outbound, ['slow', 'late', 'probe']);
  const deps: DeliveryDeps = { ...e.deps, outbound: hold.client };
  const due = async (eventId: string) => {
    const d = (await deps.store.list(keys.deliveries('default'))).items.map((i) => JSON.parse(i.value) as Delivery).find((x) => x.eventId === eventId)!;
    return processDue(deps, { at: Date.parse(d.nextAttemptAt!), tenant: 'default', id: d.id });
  };
  const breaker = async () => JSON.parse((await deps.store.get(keys.breaker('default', sub.id)))!.value) as BreakerState;
  return { e, deps, hold, due, breaker };
}

test('a slow attempt that started while closed and fails while the probe is in flight neither reopens the breaker nor doubles its period', async () => {
  const { e, deps, hold, due, breaker } = await setup();
  for (const id of ['slow', 'a', 'b']) await fanOut(event(id), deps);
  // The slow attempt goes while the breaker is closed; its answer (500) comes back late.
  const slow = due('slow');
  await hold.arrived('slow');
  expect(await due('a')).toBe('retrying');
  expect(await due('b')).toBe('retrying');
  expect(await breaker()).toEqual(expect.objectContaining({ state: 'open', opens: 1 }));
  // The breaker half-opens and grants its probe to another delivery, still in flight.
  e.clock.advance(OPEN_MS);
  await fanOut(event('probe'), deps);
  const probe = due('probe');
  await hold.arrived('probe');
  const probing = await breaker();
  expect(probing).toEqual(expect.objectContaining({ state: 'half-open', probeStartedAt: e.clock.now() }));
  // The slow failure lands: it says nothing about the probe.
  e.clock.advance(10 * S);
  hold.release('slow');
  expect(await slow).toBe('retrying');
  expect(await breaker()).toEqual(expect.objectContaining({ state: 'half-open', probeStartedAt: probing.probeStartedAt, opens: 1 }));
  // The probe's own success closes it.
  hold.release('probe');
  expect(await probe).toBe('succeeded');
  expect(await breaker()).toEqual(expect.objectContaining({ state: 'closed', consecutiveFailures: 0 }));
});

test('a slow success that started before the breaker opened and lands while it is open does not close it: the probe decides', async () => {
  const { e, deps, hold, due, breaker } = await setup();
  for (const id of ['a', 'late', 'b']) await fanOut(event(id), deps);
  expect(await due('a')).toBe('retrying');
  // Goes with one failure on the breaker (so the end of the attempt reads the store).
  const late = due('late');
  await hold.arrived('late');
  expect(await due('b')).toBe('retrying');
  const opened = await breaker();
  expect(opened).toEqual(expect.objectContaining({ state: 'open', opens: 1 }));
  e.clock.advance(10 * S);
  hold.release('late');
  expect(await late).toBe('succeeded');
  expect(await breaker()).toEqual(opened);
  expect(e.bus.events.map((x) => x.type)).toEqual([]);
});
