import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { fixedClock } from '../../shared/ports';
import { createQueue, fauxqsClient } from '../../test/emulators/sqs';
import { delaySeconds, sqsWakeUps } from './wakeups-sqs';

/** Against the real fauxqs SQS server the jest global setup started on 127.0.0.1. */
const HOUR = 3600_000;

test('DelaySeconds: rounded up, 0 when due or overdue, capped at the SQS maximum of 900', () => {
  expect(delaySeconds(1_000, 1_000)).toBe(0);
  expect(delaySeconds(500, 1_000)).toBe(0);
  expect(delaySeconds(1_001, 1_000)).toBe(1);
  expect(delaySeconds(1_000 + 42_000, 1_000)).toBe(42);
  expect(delaySeconds(1_000 + 900_000, 1_000)).toBe(900);
  expect(delaySeconds(1_000 + 10 * HOUR, 1_000)).toBe(900);
});

test('a due wake-up is received at once as { at, tenant, id } JSON; a later one is sent capped and is not', async () => {
  const sqs = fauxqsClient();
  const { url } = await createQueue(sqs, `wakeups-${process.pid}`);
  const sent: unknown[] = [];
  const send = sqs.send.bind(sqs);
  jest.spyOn(sqs, 'send').mockImplementation(((cmd: unknown) => {
    if (cmd instanceof SendMessageCommand) sent.push(cmd.input);
    return send(cmd as never);
  }) as never);
  const now = Date.now();
  const wakeups = sqsWakeUps({ queueUrl: url, client: sqs, clock: fixedClock(now) });

  await wakeups.schedule({ at: now + 10 * HOUR, tenant: 'acme', id: 'msg_later' });
  await wakeups.schedule({ at: now + 90_500, tenant: 'acme', id: 'msg_soon' });
  await wakeups.schedule({ at: now, tenant: 'acme', id: 'msg_due' });
  expect(sent).toEqual([
    expect.objectContaining({ QueueUrl: url, DelaySeconds: 900 }),
    expect.objectContaining({ QueueUrl: url, DelaySeconds: 91 }),
    expect.objectContaining({ QueueUrl: url, DelaySeconds: 0 }),
  ]);

  // fauxqs honours DelaySeconds: only the due message is visible now.
  const bodies: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    bodies.push(...(r.Messages ?? []).map((m) => JSON.parse(m.Body!)));
  }
  expect(bodies).toEqual([{ at: now, tenant: 'acme', id: 'msg_due' }]);
});

test('schedule rejects when the queue does not exist (the engine logs it and carries on)', async () => {
  const sqs = fauxqsClient();
  const { url } = await createQueue(sqs, `wakeups-missing-${process.pid}`);
  const wakeups = sqsWakeUps({ queueUrl: url.replace(/wakeups-missing-\d+$/, 'no-such-queue'), client: sqs, clock: fixedClock(0) });
  await expect(wakeups.schedule({ at: 0, tenant: 'acme', id: 'x' })).rejects.toThrow(/queue does not exist/i);
});

test('fauxqs honours the delay: a wake-up due in 3 s is invisible at first, then received', async () => {
  const sqs = fauxqsClient();
  const { url } = await createQueue(sqs, `wakeups-delay-${process.pid}`);
  // Seconds of margin: the receive right after sending must come before the delay ends even when
  // a loaded machine slows both down; the long poll after it waits well past the delay.
  const at = Date.now() + 3_000;
  await sqsWakeUps({ queueUrl: url, client: sqs, clock: { now: () => Date.now() } }).schedule({ at, tenant: 't', id: 'msg_3s' });
  const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  expect(first.Messages ?? []).toHaveLength(0);
  const later = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 15 }));
  expect(later.Messages?.map((m) => JSON.parse(m.Body!))).toEqual([{ at, tenant: 't', id: 'msg_3s' }]);
  expect(Date.now()).toBeGreaterThanOrEqual(at - 50);
});
