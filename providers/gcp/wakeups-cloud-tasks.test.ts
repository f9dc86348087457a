import { CloudTasksClient } from '@google-cloud/tasks';
import { fixedClock } from '../../shared/ports';
import { cloudTasksWakeUps, MAX_AHEAD_SECONDS, type TasksClient } from './wakeups-cloud-tasks';

/**
 * No Cloud Tasks emulator can run here, so these tests MOCK THE CLIENT: a fake createTask (or
 * CloudTasksClient.prototype.createTask replaced by a spy). Nothing reaches the network, and
 * what Cloud Tasks itself does (scheduling, deduplication, OIDC) is not exercised.
 */
const queue = 'projects/p/locations/europe-west1/queues/secorch-deliveries';
const url = 'https://europe-west1-p.cloudfunctions.net/webhookDeliveryWakeUp';
const serviceAccountEmail = 'tasks@p.iam.gserviceaccount.com';
const NOW = Date.UTC(2026, 0, 1);

function fake(answer: (req: unknown) => Promise<unknown> = async () => [{}]) {
  const calls: Parameters<TasksClient['createTask']>[0][] = [];
  const client: TasksClient = { createTask: async (req) => { calls.push(req); return (await answer(req)) as never; } };
  return { calls, client };
}

afterEach(() => jest.restoreAllMocks());

describe('cloudTasksWakeUps (Cloud Tasks client mocked: no emulator runs here)', () => {
  it('creates an HTTP task at the due time POSTing base64 { at, tenant, id } JSON with an OIDC token', async () => {
    const { calls, client } = fake();
    const at = NOW + 10 * 3600_000 + 1;
    await cloudTasksWakeUps({ queue, url, serviceAccountEmail, clock: fixedClock(NOW), client }).schedule({ at, tenant: 'acme', id: 'msg_1' });
    expect(calls).toHaveLength(1);
    const req = calls[0]!;
    expect(req.parent).toBe(queue);
    expect(req.task!.name).toMatch(new RegExp(`^${queue}/tasks/[0-9a-f]{64}$`));
    expect(req.task!.scheduleTime).toEqual({ seconds: Math.ceil(at / 1000) });
    expect(req.task!.httpRequest).toEqual({
      url, httpMethod: 'POST', body: expect.any(String), headers: { 'Content-Type': 'application/json' }, oidcToken: { serviceAccountEmail },
    });
    expect(JSON.parse(Buffer.from(req.task!.httpRequest!.body as string, 'base64').toString('utf8'))).toEqual({ at, tenant: 'acme', id: 'msg_1' });
  });

  it('names the task by (delivery, due time): the same wake-up twice has one name, ALREADY_EXISTS counts as success', async () => {
    const seen = new Set<string>();
    const { calls, client } = fake(async (req) => {
      const name = (req as { task: { name: string } }).task.name;
      if (seen.has(name)) throw Object.assign(new Error('6 ALREADY_EXISTS: Requested entity already exists'), { code: 6 });
      seen.add(name);
      return [{}];
    });
    const wakeups = cloudTasksWakeUps({ queue, url, serviceAccountEmail, clock: fixedClock(NOW), client });
    await wakeups.schedule({ at: NOW + 60_000, tenant: 'acme', id: 'msg_1' });
    await expect(wakeups.schedule({ at: NOW + 60_000, tenant: 'acme', id: 'msg_1' })).resolves.toBeUndefined();
    await wakeups.schedule({ at: NOW + 120_000, tenant: 'acme', id: 'msg_1' });
    await wakeups.schedule({ at: NOW + 60_000, tenant: 'acme', id: 'msg_2' });
    const names = calls.map((c) => c.task!.name);
    expect(names[0]).toBe(names[1]);
    expect(new Set(names).size).toBe(3);
  });

  it('re-arms a wake-up that ran early under a new name: its own name is reserved, and ALREADY_EXISTS must not drop it', async () => {
    // Cloud Tasks keeps a task's name while it runs and for about an hour after, so the wake-up
    // function re-arming the very task it is running (it came early by this function's clock)
    // meets its own name. Only a name taken far ahead is a pending duplicate that will still run.
    const taken = new Set<string>();
    const { calls, client } = fake(async (req) => {
      const name = (req as { task: { name: string } }).task.name;
      if (taken.has(name)) throw Object.assign(new Error('6 ALREADY_EXISTS: Requested entity already exists'), { code: 6 });
      taken.add(name);
      return [{}];
    });
    const clock = fixedClock(NOW);
    const wakeups = cloudTasksWakeUps({ queue, url, serviceAccountEmail, clock, client });
    const due = { at: NOW + 60_000, tenant: 'acme', id: 'msg_1' };
    await wakeups.schedule(due);
    clock.advance(57_000); // Cloud Tasks runs it; by this function's clock it is 3 s early
    await wakeups.schedule(due);
    expect(taken.size).toBe(2);
    clock.advance(1_500); // the re-armed task is early again (the skew persists): re-armed once more
    await wakeups.schedule(due);
    expect(taken.size).toBe(3);
    for (const c of calls) expect(c.task!.scheduleTime).toEqual({ seconds: due.at / 1000 });
  });

  it('caps the schedule time at 30 days ahead (the wake-up function sends it on when it arrives early)', async () => {
    const { calls, client } = fake();
    const clock = fixedClock(NOW);
    const wakeups = cloudTasksWakeUps({ queue, url, serviceAccountEmail, clock, client });
    const due = { at: NOW + 45 * 24 * 3600_000, tenant: 'acme', id: 'msg_far' };
    await wakeups.schedule(due);
    expect(calls[0]!.task!.scheduleTime).toEqual({ seconds: NOW / 1000 + MAX_AHEAD_SECONDS });
    clock.advance(MAX_AHEAD_SECONDS * 1000);
    await wakeups.schedule(due); // the chained hop: a new name, so it is not refused as a duplicate
    expect(calls[1]!.task!.scheduleTime).toEqual({ seconds: due.at / 1000 });
    expect(calls[1]!.task!.name).not.toBe(calls[0]!.task!.name);
  });

  it('rejects on other errors, keeping the client error', async () => {
    const failure = Object.assign(new Error('7 PERMISSION_DENIED'), { code: 7 });
    const { client } = fake(async () => { throw failure; });
    await expect(cloudTasksWakeUps({ queue, url, serviceAccountEmail, clock: fixedClock(NOW), client }).schedule({ at: NOW, tenant: 't', id: 'x' })).rejects.toBe(failure);
  });

  it('without a client it creates a CloudTasksClient lazily and reuses it', async () => {
    const create = jest.spyOn(CloudTasksClient.prototype, 'createTask').mockResolvedValue([{}] as never);
    const wakeups = cloudTasksWakeUps({ queue, url, serviceAccountEmail, clock: fixedClock(NOW) });
    await wakeups.schedule({ at: NOW, tenant: 't', id: 'a' });
    await wakeups.schedule({ at: NOW, tenant: 't', id: 'b' });
    expect(create).toHaveBeenCalledTimes(2);
    expect(new Set(create.mock.contexts).size).toBe(1);
  });
});
