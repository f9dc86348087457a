import { QueueClient } from '@azure/storage-queue';
import { azuriteConnection, azuriteQueue } from './azurite-queue.testkit';
import { fixedClock } from '../../shared/ports';
import { MAX_VISIBILITY_SECONDS, storageQueueWakeUps, visibilitySeconds } from './wakeups-storage-queue';

/**
 * Against the real Azurite queue service the jest global setup started on 127.0.0.1
 * (connection string in SECORCH_TEST_AZURITE).
 */
const connectionString = azuriteConnection();
const DAY = 24 * 3600_000;
const decode = (text: string) => JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;

describe('storageQueueWakeUps (real Azurite)', () => {
  const { queueName, queue } = azuriteQueue('secorch-wakeups');

  it('visibility timeout: rounded up, 0 when due, capped at 7 days', () => {
    expect(visibilitySeconds(5_000, 5_000)).toBe(0);
    expect(visibilitySeconds(4_000, 5_000)).toBe(0);
    expect(visibilitySeconds(5_001, 5_000)).toBe(1);
    expect(visibilitySeconds(5_000 + 10 * 3600_000, 5_000)).toBe(36_000);
    expect(visibilitySeconds(5_000 + 30 * DAY, 5_000)).toBe(MAX_VISIBILITY_SECONDS);
  });

  it('a due wake-up is visible at once as base64 { at, tenant, id } JSON; later ones (10 h, 30 days: capped) are not', async () => {
    const now = Date.now();
    const wakeups = storageQueueWakeUps({ connectionString, queueName, clock: fixedClock(now) });
    await wakeups.schedule({ at: now + 10 * 3600_000, tenant: 'acme', id: 'msg_10h' });
    await wakeups.schedule({ at: now + 30 * DAY, tenant: 'acme', id: 'msg_30d' });
    await wakeups.schedule({ at: now, tenant: 'acme', id: 'msg_due' });

    const { receivedMessageItems } = await queue().receiveMessages({ numberOfMessages: 32 });
    expect(receivedMessageItems.map((m) => decode(m.messageText))).toEqual([{ at: now, tenant: 'acme', id: 'msg_due' }]);
    expect(receivedMessageItems[0]!.messageText).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    // The invisible ones exist (approximate count covers invisible messages) and were accepted
    // with a visibility timeout up to 7 days and a time-to-live past it.
    expect((await queue().getProperties()).approximateMessagesCount).toBe(3);
  });

  it('a wake-up due in 3 s becomes visible after its visibility timeout', async () => {
    // Seconds of margin: the peek right after sending must come before the timeout even when a
    // loaded machine slows both down.
    // The previous test's messages (one received, visible again 30 s later) are not this one's.
    await queue().clearMessages();
    const at = Date.now() + 3_000;
    await storageQueueWakeUps({ connectionString, queueName, clock: { now: () => Date.now() } }).schedule({ at, tenant: 't', id: 'msg_3s' });
    expect((await queue().peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toHaveLength(0);
    // Then polled until it shows (the bound is for a loaded machine), rather than one fixed wait.
    let peeked: Awaited<ReturnType<QueueClient['peekMessages']>>['peekedMessageItems'] = [];
    for (const end = Date.now() + 20_000; peeked.length === 0 && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 200));
      peeked = (await queue().peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
    }
    expect(peeked.map((m) => decode(m.messageText))).toEqual([{ at, tenant: 't', id: 'msg_3s' }]);
  });

  it('rejects for a missing queue', async () => {
    const wakeups = storageQueueWakeUps({ connectionString, queueName: `missing-${process.pid}-${Date.now()}`, clock: fixedClock(0) });
    await expect(wakeups.schedule({ at: 0, tenant: 't', id: 'x' })).rejects.toMatchObject({ statusCode: 404 });
  });
});
