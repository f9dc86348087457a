import { testDeps } from '../../test/deps';
import { keys } from '../../shared/delivery/keys';
import type { DeliveryClient } from '../../shared/http/delivery-client';
import { unparkTaskId } from '../../shared/delivery/engine/unpark';
import type { WakeUp } from '../../shared/ports';
import { jsonLogger } from '../../shared/log/json-logger';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { deliveryTick, deliveryWakeUp } from './handler';

/**
 * The wake-up record handler: an early wake-up (the queue's delay cap) is sent on, a due one
 * makes the attempt. A due key for a delivery that does not exist shows the attempt was made:
 * processDue finds no record, answers 'stale' and deletes the key.
 */
function setup(withWakeUps = true) {
  const t = testDeps();
  const scheduled: WakeUp[] = [];
  const outbound = { send: async () => { throw new Error('no HTTP in this test'); }, close: async () => {} } as unknown as DeliveryClient;
  const deps = { ...t.deps, outbound, ...(withWakeUps ? { wakeups: { schedule: async (w: WakeUp) => void scheduled.push(w) } } : {}) };
  return { ...t, deps, scheduled };
}
const record = (body: unknown) => ({ id: 'm1', body: typeof body === 'string' ? body : JSON.stringify(body), attributes: {} });
const hasDueKey = async (deps: ReturnType<typeof setup>['deps'], at: number) => (await deps.store.get(keys.due(at, 'acme', 'msg_1'))) !== undefined;

test('an early wake-up (more than 1 s ahead) is re-scheduled unchanged and not attempted', async () => {
  const { deps, clock, scheduled } = setup();
  const at = clock.now() + 10 * 3600_000;
  await deps.store.put(keys.due(at, 'acme', 'msg_1'), '');
  await deliveryWakeUp(record({ at, tenant: 'acme', id: 'msg_1' }), deps);
  expect(scheduled).toEqual([{ at, tenant: 'acme', id: 'msg_1' }]);
  expect(await hasDueKey(deps, at)).toBe(true);
});

test('a due wake-up, or one less than 1 s early, is attempted and not re-scheduled', async () => {
  const { deps, clock, scheduled } = setup();
  for (const at of [clock.now() - 5_000, clock.now(), clock.now() + 1_000]) {
    await deps.store.put(keys.due(at, 'acme', 'msg_1'), '');
    await deliveryWakeUp(record({ at, tenant: 'acme', id: 'msg_1' }), deps);
    expect(await hasDueKey(deps, at)).toBe(false);
  }
  expect(scheduled).toEqual([]);
});

test('an early wake-up without the port is dropped (the sweep still holds the due key)', async () => {
  const { deps, clock } = setup(false);
  const at = clock.now() + 60_000;
  await deps.store.put(keys.due(at, 'acme', 'msg_1'), '');
  await expect(deliveryWakeUp(record({ at, tenant: 'acme', id: 'msg_1' }), deps)).resolves.toBeUndefined();
  expect(await hasDueKey(deps, at)).toBe(true);
});

test('an early wake-up that cannot be sent on fails the record, so the queue redelivers it', async () => {
  const { deps, clock } = setup();
  const failing = { ...deps, wakeups: { schedule: async () => { throw new Error('queue down'); } } };
  await expect(deliveryWakeUp(record({ at: clock.now() + 60_000, tenant: 'acme', id: 'msg_1' }), failing)).rejects.toThrow('queue down');
});

test('a wake-up that is not JSON or does not name { at, tenant, id } is refused as invalid_wakeup', async () => {
  const { deps } = setup();
  for (const body of ['not json', 'null', { at: '1', tenant: 'acme', id: 'x' }, { at: 1, tenant: 'acme' }]) {
    await expect(deliveryWakeUp(record(body), deps)).rejects.toMatchObject({ code: 'invalid_wakeup' });
  }
});

test('a wake-up whose time is not a whole number of ms is refused, and the attempt it names keeps its due key', async () => {
  const { deps, clock } = setup();
  const at = clock.now();
  const iso = new Date(at).toISOString();
  // A pending delivery due now (its record and due key as the engine writes them).
  await deps.store.put(keys.delivery('acme', 'msg_1'), JSON.stringify({
    id: 'msg_1', tenant: 'acme', subscriptionId: 'sub_1', eventId: 'e1', eventType: 't', status: 'pending', attempts: [], nextAttemptAt: iso, createdAt: iso, updatedAt: iso,
  }));
  await deps.store.put(keys.due(at, 'acme', 'msg_1'), '');
  // Half a millisecond off: it names the same due key, but not the record's time.
  for (const bad of [at + 0.5, -1]) {
    await expect(deliveryWakeUp(record({ at: bad, tenant: 'acme', id: 'msg_1' }), deps)).rejects.toMatchObject({ code: 'invalid_wakeup' });
  }
  expect(await hasDueKey(deps, at)).toBe(true);
  await expect(deliveryWakeUp(record('{"at":1e999,"tenant":"acme","id":"msg_1"}'), deps)).rejects.toMatchObject({ code: 'invalid_wakeup' });
});

test('a wake-up naming an unpark task runs it: the deliveries the breaker parked are due now, each with its own wake-up', async () => {
  const { deps, clock, scheduled } = setup();
  const now = clock.now();
  const parkedAt = now + 3600_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  await deps.store.put(keys.delivery('acme', 'msg_1'), JSON.stringify({
    id: 'msg_1', tenant: 'acme', subscriptionId: 'sub_1', eventId: 'e1', eventType: 't', status: 'pending', attempts: [], nextAttemptAt: iso(parkedAt), createdAt: iso(now), updatedAt: iso(now),
  }));
  await deps.store.put(keys.due(parkedAt, 'acme', 'msg_1'), '');
  const task = { at: now, tenant: 'acme', id: unparkTaskId('sub_1', parkedAt) };
  await deps.store.put(keys.due(task.at, task.tenant, task.id), '{}');
  await deliveryWakeUp(record(task), deps);
  expect(JSON.parse((await deps.store.get(keys.delivery('acme', 'msg_1')))!.value).nextAttemptAt).toBe(iso(now));
  expect(await hasDueKey(deps, parkedAt)).toBe(false);
  expect(await hasDueKey(deps, now)).toBe(true);
  expect(await deps.store.get(keys.due(task.at, task.tenant, task.id))).toBeUndefined();
  expect(scheduled).toEqual([{ at: now, tenant: 'acme', id: 'msg_1' }]);
});

test("a tick's deadline reaches the sweep: too close for one attempt, nothing is sent, all stays due, and a warning says why", async () => {
  const { deps, clock } = setup(false);
  const logged: { level: string; msg: string }[] = [];
  deps.logger = jsonLogger({ clock, write: (l) => logged.push(JSON.parse(l) as { level: string; msg: string }) });
  await seedSubscription(deps, { url: 'http://127.0.0.1:9/hook' });
  await fanOut({ specversion: '1.0', id: 'e1', source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default', origin: 'api:ci' }, deps);
  // Default deliveries.timeoutSeconds 15 plus the 10 s margin: 20 s leaves no room.
  const report = await deliveryTick({ name: 'webhookDelivery', scheduledAt: clock.now(), deadline: clock.now() + 20_000 }, deps);
  expect(report).toMatchObject({ ok: true, details: { succeeded: 0, retrying: 0, stoppedForDeadline: true } });
  expect(logged.filter((l) => l.msg.startsWith('delivery sweep stopped'))).toEqual([
    expect.objectContaining({ level: 'warn', msg: expect.stringContaining('leaves no room for one attempt') }),
  ]);
  expect((await deps.store.list(keys.duePrefix)).items).toHaveLength(1);
});
