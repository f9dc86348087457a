import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import type { ServiceBusMessage } from '@azure/service-bus';
import { eventRouter } from '../../functions/event-router/handler';
import { forgetRefusals } from '../../functions/event-router/refusal';
import { createBreaker } from '../../shared/connectors/breaker';
import { listDeadLetters } from '../../shared/deadletters/store';
import { ConnectorError } from '../../shared/connectors/errors';
import { destinations } from '../../shared/destinations';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { toServiceBusMessage } from './bus-service-bus';
import { azureQueue } from './queue';
import type { DeferralQueue } from './router-deferral';
import { deferredMessageText, unwrapDeferred } from './router-deferral-envelope';
import type { ServiceBusDeferralQueue } from './router-deferral-service-bus';
import { azureServiceBus } from './service-bus';

/**
 * Review of the router's deferrals on Azure, end to end through the trigger adapters with the real
 * router. The Storage queue is a RECORDING FAKE here (the Azurite tests beside it cover the real
 * send); Service Bus has no emulator, so a FAKE standing in for a queue with duplicate detection
 * (a message whose id was sent before is accepted and dropped, as Service Bus does) takes the
 * scheduled copies. The host's part (dequeue counts, poison moves) is done by the tests.
 */

const event: CloudEvent = { specversion: '1.0', id: 'e-1', source: 'secorch://webhook/github', type: 'secorch.finding.created', tenant: 'acme', data: { n: 1 } };

function routerDeps() {
  return testDeps({
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['jira'] }],
    destinations: { jira: { type: 'file', path: '/nonexistent/unused.jsonl' } },
  });
}

const hostQueues = (JSON.parse(readFileSync(join(__dirname, '../../azure/host.json'), 'utf8')) as { extensions: { queues: { maxDequeueCount: number } } }).extensions.queues;

describe('Storage queue trigger (fake queue): a destination whose circuit stays open', () => {
  it('is not sent to the poison queue at the host\'s last dequeue: the record is deferred instead', async () => {
    const { deps, clock } = routerDeps();
    // The connectors' own breaker, opened by a vendor that keeps failing: it asks for its
    // cool-down (30 s), which is not longer than the host's visibility timeout.
    const breaker = createBreaker(clock);
    for (let i = 0; i < 5; i++) breaker.failure(false);
    destinations(deps.config).set('jira', async () => {
      const admission = breaker.admit();
      if (!admission.ok) throw new ConnectorError('connector_circuit_open', 'jira: circuit open', { connector: 'jira', retryAfterMs: admission.retryAfterMs });
    });
    const sent: string[] = [];
    const queue: DeferralQueue = { send: async (text) => (sent.push(text), `copy-${sent.length}`) };
    const run = azureQueue(eventRouter, async () => deps, undefined, () => ({ queue }));
    const ctx = (dequeueCount: number) => new InvocationContext({
      invocationId: `inv-${dequeueCount}`, functionName: 'eventRouter', logHandler: () => undefined, triggerMetadata: { id: 'm-1', dequeueCount },
    });
    // Dequeues before the last: thrown, visible again at the host's pace (30 s), as before.
    for (let n = 1; n < hostQueues.maxDequeueCount; n++) await expect(run(event, ctx(n))).rejects.toMatchObject({ code: 'destination_failed' });
    expect(sent).toEqual([]);
    // The last dequeue: a throw here has the host move the message to secorch-events-poison,
    // which nothing reads, about two minutes into an outage the destination asked to wait out.
    await expect(run(event, ctx(hostQueues.maxDequeueCount))).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(unwrapDeferred(Buffer.from(sent[0]!, 'base64').toString('utf8')))
      .toEqual({ body: JSON.stringify(event), deferrals: 1, receives: hostQueues.maxDequeueCount });
    // Deferred, so not kept as a dead letter by the router at that dequeue.
    expect((await listDeadLetters(deps, 'acme')).items).toEqual([]);
  });
});

describe('Storage queue trigger (fake queue): a destination failing without a wait', () => {
  it('a failure asking for no wait is kept as a dead letter at the host\'s last dequeue of the message in hand, not poisoned', async () => {
    const { deps } = routerDeps();
    destinations(deps.config).set('jira', async () => {
      throw new ConnectorError('connector_unavailable', 'jira: 503', { connector: 'jira', vendorStatus: 503 });
    });
    const sent: string[] = [];
    const queue: DeferralQueue = { send: async (text) => (sent.push(text), `copy-${sent.length}`) };
    const run = azureQueue(eventRouter, async () => deps, undefined, () => ({ queue }));
    const ctx = (id: string, dequeueCount: number) => new InvocationContext({
      invocationId: `inv-${id}-${dequeueCount}`, functionName: 'eventRouter', logHandler: () => undefined, triggerMetadata: { id, dequeueCount },
    });
    // A copy deferred after two receives of the original: its own fifth dequeue is its last, the seventh receive of the event.
    const copy = JSON.parse(deferredMessageText({ body: JSON.stringify(event), deferrals: 1, receives: 2 })) as unknown;
    for (let n = 1; n < hostQueues.maxDequeueCount; n++) await expect(run(copy, ctx('copy-1', n))).rejects.toMatchObject({ code: 'destination_failed' });
    expect((await listDeadLetters(deps, 'acme')).items).toEqual([]);
    await expect(run(copy, ctx('copy-1', hostQueues.maxDequeueCount))).resolves.toBeUndefined();
    expect(sent).toEqual([]);
    const kept = (await listDeadLetters(deps, 'acme')).items.map((i) => i.record);
    expect(kept).toMatchObject([{ kind: 'event', body: JSON.stringify(event), reason: { code: 'destination_failed', message: 'Failed on all 7 receives: jira: connector_unavailable: jira: 503' } }]);
  });
});

describe('Service Bus queue trigger (fake queue with duplicate detection: no emulator)', () => {
  /** Service Bus's default duplicate-detection window. */
  const WINDOW_MS = 10 * 60_000;

  /**
   * A queue with duplicate detection: a message whose id was sent within the window before is
   * accepted and dropped (the send answers as usual). Publishes and schedules are both sends.
   */
  function dedupQueue(now: () => number) {
    const sentAt = new Map<string, number>();
    const enqueued: ServiceBusMessage[] = [];
    let dropped = 0;
    let sequence = 100;
    const send = (message: ServiceBusMessage): boolean => {
      const id = String(message.messageId);
      const last = sentAt.get(id);
      if (last !== undefined && now() - last < WINDOW_MS) return false;
      sentAt.set(id, now());
      return true;
    };
    const queue: ServiceBusDeferralQueue = {
      async schedule(message) {
        if (send(message)) enqueued.push(message);
        else dropped++;
        return String(sequence++);
      },
    };
    return { enqueued, publish: send, dropped: () => dropped, deferral: () => queue };
  }

  /** What the host passes for `m`: its body parsed (JSON), broker fields camelCased. */
  function delivery(m: ServiceBusMessage, sequenceNumber: number, deliveryCount = 1) {
    const ctx = new InvocationContext({
      invocationId: `inv-${sequenceNumber}-${deliveryCount}`, functionName: 'eventRouterServiceBus', logHandler: () => undefined,
      triggerMetadata: { messageId: m.messageId, deliveryCount, sequenceNumber, contentType: m.contentType, applicationProperties: m.applicationProperties },
    });
    return [JSON.parse((m.body as Buffer).toString('utf8')) as unknown, ctx] as const;
  }

  const MINUTE = 60_000;
  const rateLimited = (minutes: number) => new ConnectorError('connector_rate_limited', 'jira: 429', { connector: 'jira', vendorStatus: 429, retryAfterMs: minutes * MINUTE });

  it('a dead letter replayed after the window is not lost: its copies are not taken for the first publish\'s', async () => {
    const { deps, clock } = routerDeps();
    const answers: (ConnectorError | undefined)[] = [];
    const called: string[] = [];
    destinations(deps.config).set('jira', async () => {
      const answer = answers.shift();
      called.push(answer?.code ?? 'ok');
      if (answer) throw answer;
    });
    const { enqueued, publish, dropped, deferral } = dedupQueue(() => clock.now());
    const run = azureServiceBus(eventRouter, async () => deps, { entity: 'queue', deferral });
    const at = (minute: number) => clock.set(Date.parse('2026-01-01T00:00:00Z') + minute * MINUTE);

    // Minute 0: published; jira asks for 5 minutes, then 1 minute, then refuses the event, which
    // the router keeps as a dead letter (acknowledged).
    answers.push(rateLimited(5), rateLimited(1), new ConnectorError('connector_rejected', 'jira: 400', { connector: 'jira', vendorStatus: 400 }));
    at(0);
    expect(publish(toServiceBusMessage(event))).toBe(true);
    await run(...delivery(toServiceBusMessage(event), 7));
    at(5);
    await run(...delivery(enqueued[0]!, 8));
    at(6);
    await run(...delivery(enqueued[1]!, 9));
    expect(enqueued).toHaveLength(2);

    // Minute 11: the dead letter is replayed, as POST /dead-letters/{id}/replay does: jira's refusal
    // is cleared, then the same event is published, so the same message id: past the original's
    // window, Service Bus takes it (a new message, sequence number 20).
    at(11);
    await forgetRefusals(deps, event, ['jira']);
    expect(publish(toServiceBusMessage(event))).toBe(true);
    answers.push(rateLimited(1), rateLimited(1));
    await run(...delivery(toServiceBusMessage(event), 20));
    at(12);
    await run(...delivery(enqueued[2]!, 21));
    // The host completed the replay's first copy: its own copy must be on the queue, not dropped
    // as a duplicate of the first publish's second copy (sent at minute 5, within its window).
    expect(dropped()).toBe(0);
    expect(enqueued).toHaveLength(4);
    at(13);
    await run(...delivery(enqueued[3]!, 22));
    expect(called).toEqual(['connector_rate_limited', 'connector_rate_limited', 'connector_rejected', 'connector_rate_limited', 'connector_rate_limited', 'ok']);
  });

  it('the same message handed out again after its completion was lost still gets the same copy id (one copy kept)', async () => {
    const { deps, clock } = routerDeps();
    destinations(deps.config).set('jira', async () => {
      throw rateLimited(1);
    });
    const { enqueued, dropped, deferral } = dedupQueue(() => clock.now());
    const run = azureServiceBus(eventRouter, async () => deps, { entity: 'queue', deferral });
    const original = toServiceBusMessage(event);
    await run(...delivery(original, 7, 1));
    await run(...delivery(original, 7, 2)); // the lock was lost: Service Bus hands the same message out again
    expect(enqueued).toHaveLength(1);
    expect(dropped()).toBe(1);
  });
});
