import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { claimedElsewhere } from '../../functions/event-router/claim';
import { AppError } from '../../shared/errors';
import { memoryObjects } from '../../shared/objects/memory';
import type { Logger } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { MAX_MESSAGE_BYTES } from './bus-storage-queue';
import type { ClaimStore } from './claim-check';
import { azureQueue } from './queue';
import { type DeferralQueue, HOST_MAX_DEQUEUE_COUNT, HOST_VISIBILITY_TIMEOUT_MS, MAX_DEFERRALS } from './router-deferral';
import { unwrapDeferred } from './router-deferral-envelope';

/**
 * The router's storage queue trigger deferring a record whose destination asks for a long wait.
 * The queue is a recording fake here (queue.deferral.azurite.test.ts sends to the real Azurite
 * queue); the InvocationContext is the library's own.
 */

interface Sent { text: string; visibilityTimeout: number; messageTimeToLive: number }

function fakeQueue(fail?: Error) {
  const sent: Sent[] = [];
  const queue: DeferralQueue = {
    async send(text, opts) {
      if (fail) throw fail;
      sent.push({ text, ...opts });
      return `copy-${sent.length}`;
    },
  };
  return { sent, deferral: () => ({ queue }) };
}

function capture() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  const counts: { name: string; tags?: Record<string, string> }[] = [];
  const { deps } = testDeps();
  deps.logger = logger;
  deps.metrics = { count: (name, _v, tags) => void counts.push({ name, tags }), timing: () => undefined };
  return { deps, lines, counts, getDeps: async () => deps };
}

const ctx = (id: string, dequeueCount: number) =>
  new InvocationContext({ invocationId: `inv-${id}`, functionName: 'eventRouter', logHandler: () => undefined, triggerMetadata: { id, dequeueCount } });

/** What the host and the v4 library hand the function for a queue message text: base64-decoded, parsed when JSON. */
function asHostDelivers(text: string): unknown {
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  try {
    return JSON.parse(decoded);
  } catch {
    return decoded;
  }
}

const event = { specversion: '1.0', id: 'e-1', source: 'secorch://webhook/github', type: 'secorch.webhook.received', tenant: 'acme', data: { n: 1 } };
const breakerOpen = (ms: number) => new AppError('destination_failed', 'Delivery failed for: jira', { status: 502, retryable: true, extra: { retryAfterMs: ms } });

function failing(error: () => unknown) {
  const seen: InboundRecord[] = [];
  const handler: RecordHandler = async (record) => {
    seen.push(record);
    throw error();
  };
  return { seen, handler };
}

describe('router trigger: deferring a record whose destination asks for a long wait', () => {
  it('sends a copy invisible for the wait, carrying the body and counts, and returns so the host deletes the original', async () => {
    const { sent, deferral } = fakeQueue();
    const { getDeps, lines, counts } = capture();
    const { handler } = failing(() => breakerOpen(120_000));
    // Before deferral existed this threw (the host's 30 s pace) and sent nothing.
    await expect(azureQueue(handler, getDeps, undefined, deferral)(event, ctx('m-1', 2))).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.visibilityTimeout).toBe(120);
    expect(sent[0]!.messageTimeToLive).toBeGreaterThan(120);
    expect(unwrapDeferred(Buffer.from(sent[0]!.text, 'base64').toString('utf8'))).toEqual({ body: JSON.stringify(event), deferrals: 1, receives: 2 });
    const warned = lines.filter((l) => l.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.fields).toMatchObject({ messageId: 'm-1', copyMessageId: 'copy-1', waitMs: 120_000, deferrals: 1 });
    expect(JSON.stringify(warned[0]!.fields)).not.toContain('secorch.webhook.received'); // no body in the log
    expect(counts).toContainEqual({ name: 'router.deferred', tags: { code: 'destination_failed' } });
  });

  it('hands the copy to the router as the original body, counting every receive so far, and rounds the wait up', async () => {
    const { sent, deferral } = fakeQueue();
    const { getDeps } = capture();
    const { seen, handler } = failing(() => claimedElsewhere(['jira'], 45_500));
    await azureQueue(handler, getDeps, undefined, deferral)(event, ctx('m-1', 3));
    await azureQueue(handler, getDeps, undefined, deferral)(asHostDelivers(sent[0]!.text), ctx('copy-1', 2));
    // The last receive (maxReceives) is the host's fifth dequeue of the message in hand, counted on
    // from the same receives; until MAX_DEFERRALS any wait is deferred even then.
    expect(seen.map((r) => [r.id, r.body, r.receiveCount, r.maxReceives, r.minDeferredWaitMs])).toEqual([
      ['m-1', JSON.stringify(event), 3, HOST_MAX_DEQUEUE_COUNT, 1],
      ['copy-1', JSON.stringify(event), 5, 3 + HOST_MAX_DEQUEUE_COUNT, 1], // three receives of the original, two of the copy
    ]);
    expect(sent.map((s) => s.visibilityTimeout)).toEqual([46, 46]);
    expect(unwrapDeferred(Buffer.from(sent[1]!.text, 'base64').toString('utf8'))).toMatchObject({ deferrals: 2, receives: 5 });
  });

  it('stops deferring after MAX_DEFERRALS: the copy then fails at the host\'s pace', async () => {
    const { sent, deferral } = fakeQueue();
    const { getDeps, lines } = capture();
    const { seen, handler } = failing(() => breakerOpen(900_000));
    const run = azureQueue(handler, getDeps, undefined, deferral);
    await run(event, ctx('m-0', 1));
    for (let i = 1; i < MAX_DEFERRALS; i++) await run(asHostDelivers(sent[i - 1]!.text), ctx(`copy-${i}`, 1));
    expect(sent).toHaveLength(MAX_DEFERRALS);
    await expect(run(asHostDelivers(sent.at(-1)!.text), ctx(`copy-${MAX_DEFERRALS}`, 1))).rejects.toMatchObject({ code: 'destination_failed' });
    expect(sent).toHaveLength(MAX_DEFERRALS);
    expect(seen.every((r) => r.body === JSON.stringify(event))).toBe(true);
    expect(seen.map((r) => r.receiveCount)).toEqual(Array.from({ length: MAX_DEFERRALS + 1 }, (_, i) => i + 1));
    // The last copy is deferred no more: at its last dequeue the router keeps what it would throw.
    expect(seen.map((r) => r.minDeferredWaitMs)).toEqual([...Array.from({ length: MAX_DEFERRALS }, () => 1), undefined]);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', fields: { messageId: `copy-${MAX_DEFERRALS}`, deferrals: MAX_DEFERRALS } });
  });

  it('leaves waits the host\'s pace serves, errors without a wait and errors not worth retrying to the host', async () => {
    const { sent, deferral } = fakeQueue();
    const { getDeps } = capture();
    for (const error of [
      breakerOpen(HOST_VISIBILITY_TIMEOUT_MS),
      new AppError('destination_failed', 'x', { status: 502, retryable: true }),
      new AppError('invalid_event', 'x', { status: 400, retryable: false, extra: { retryAfterMs: 120_000 } }),
      new Error('unexpected'),
    ]) await expect(azureQueue(failing(() => error).handler, getDeps, undefined, deferral)(event, ctx('m-1', 1))).rejects.toBeInstanceOf(AppError);
    expect(sent).toHaveLength(0);
  });

  it('throws the original error, logged, when the copy cannot be sent: nothing is lost', async () => {
    const { deferral } = fakeQueue(new Error('queue unreachable'));
    const { getDeps, lines } = capture();
    await expect(azureQueue(failing(() => breakerOpen(120_000)).handler, getDeps, undefined, deferral)(event, ctx('m-1', 1)))
      .rejects.toMatchObject({ code: 'destination_failed' });
    expect(lines.find((l) => l.level === 'error' && l.fields.messageId === 'm-1')?.msg).toMatch(/could not defer/);
  });

  it('throws, logged, when the deferral cannot even be set up (a missing app setting)', async () => {
    const { getDeps, lines } = capture();
    const deferral = () => {
      throw new Error('AzureWebJobsStorage is not set');
    };
    await expect(azureQueue(failing(() => breakerOpen(120_000)).handler, getDeps, undefined, deferral)(event, ctx('m-1', 1)))
      .rejects.toMatchObject({ code: 'destination_failed' });
    expect(lines.some((l) => l.level === 'error' && /could not defer/.test(l.msg))).toBe(true);
  });

  it('throws, logged, when the copy would be over the 64 KiB message limit', async () => {
    const { sent, deferral } = fakeQueue();
    const { getDeps, lines } = capture();
    // The largest body whose own message fits: its envelope does not.
    const big = 'x'.repeat((MAX_MESSAGE_BYTES / 4) * 3 - 2);
    expect(Buffer.from(big).toString('base64').length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    await expect(azureQueue(failing(() => breakerOpen(120_000)).handler, getDeps, undefined, deferral)(big, ctx('m-1', 1))).rejects.toBeInstanceOf(AppError);
    expect(sent).toHaveLength(0);
    expect(lines.some((l) => l.level === 'warn' && /over the queue message limit/.test(l.msg))).toBe(true);
  });

  it('at the last dequeue, leaves a wait to the deferral only when its copy would fit: else the router keeps the event itself', async () => {
    const big = 'x'.repeat((MAX_MESSAGE_BYTES / 4) * 3 - 2);
    const seenAt = async (body: unknown, dequeueCount: number) => {
      const { deferral } = fakeQueue();
      const { seen, handler } = failing(() => breakerOpen(120_000));
      await azureQueue(handler, capture().getDeps, undefined, deferral)(body, ctx('m-1', dequeueCount)).catch(() => undefined);
      return seen[0]!;
    };
    expect(await seenAt(event, HOST_MAX_DEQUEUE_COUNT)).toMatchObject({ receiveCount: 5, maxReceives: 5, minDeferredWaitMs: 1 });
    expect((await seenAt(big, HOST_MAX_DEQUEUE_COUNT)).minDeferredWaitMs).toBeUndefined();
    expect(await seenAt(big, 1)).toMatchObject({ minDeferredWaitMs: 1 }); // not the last: the host brings it back anyway
  });

  it('keeps a claim-check reference as the reference, still resolved to its blob for the router', async () => {
    const { sent, deferral } = fakeQueue();
    const { deps, getDeps } = capture();
    const claims: ClaimStore = { objects: memoryObjects(deps.clock), container: 'secorch-claims' };
    const key = 'events/0b6f4f4e-3c1a-5d2e-8f00-1a2b3c4d5e6f.json';
    await claims.objects.put(claims.container, key, JSON.stringify(event));
    const reference = { secorchClaimCheck: { container: claims.container, key } };
    const { seen, handler } = failing(() => breakerOpen(60_000));
    const run = azureQueue(handler, getDeps, () => claims, deferral);
    await run(reference, ctx('m-1', 1));
    expect(unwrapDeferred(Buffer.from(sent[0]!.text, 'base64').toString('utf8'))?.body).toBe(JSON.stringify(reference));
    await run(asHostDelivers(sent[0]!.text), ctx('copy-1', 1));
    expect(seen.map((r) => r.body)).toEqual([JSON.stringify(event), JSON.stringify(event)]);
  });

  it('is only the router\'s: a trigger without deferral throws as before and passes an envelope on as it is', async () => {
    const { getDeps } = capture();
    const { seen, handler } = failing(() => breakerOpen(120_000));
    const envelope = { secorchDeferred: { deferrals: 1, receives: 1, json: event } };
    await expect(azureQueue(handler, getDeps)(envelope, ctx('m-1', 1))).rejects.toBeInstanceOf(AppError);
    expect(seen[0]!.body).toBe(JSON.stringify(envelope));
  });

  it('HOST_VISIBILITY_TIMEOUT_MS mirrors host.json', () => {
    const host = JSON.parse(readFileSync(join(__dirname, '../../azure/host.json'), 'utf8')) as { extensions: { queues: { visibilityTimeout: string } } };
    const [h, m, s] = host.extensions.queues.visibilityTimeout.split(':').map(Number);
    expect(((h! * 60 + m!) * 60 + s!) * 1000).toBe(HOST_VISIBILITY_TIMEOUT_MS);
  });

  it('HOST_MAX_DEQUEUE_COUNT mirrors host.json', () => {
    const host = JSON.parse(readFileSync(join(__dirname, '../../azure/host.json'), 'utf8')) as { extensions: { queues: { maxDequeueCount: number } } };
    expect(host.extensions.queues.maxDequeueCount).toBe(HOST_MAX_DEQUEUE_COUNT);
  });

  it('at the host\'s last dequeue defers a wait the host\'s pace would serve (thrown, the message would go to the poison queue)', async () => {
    const { sent, deferral } = fakeQueue();
    const { getDeps } = capture();
    const run = azureQueue(failing(() => breakerOpen(1)).handler, getDeps, undefined, deferral);
    await expect(run(event, ctx('m-1', HOST_MAX_DEQUEUE_COUNT - 1))).rejects.toMatchObject({ code: 'destination_failed' });
    await expect(run(event, ctx('m-1', HOST_MAX_DEQUEUE_COUNT))).resolves.toBeUndefined();
    // A copy's own dequeue count decides, not the receives of the message it carries.
    await expect(run(asHostDelivers(sent[0]!.text), ctx('copy-1', 1))).rejects.toMatchObject({ code: 'destination_failed' });
    expect(sent.map((s) => s.visibilityTimeout)).toEqual([1]);
    // Not for an error without a wait: thrown, into the poison queue (the event router keeps such a
    // failure as a dead letter at this dequeue instead: router-deferral.review.test.ts).
    await expect(azureQueue(failing(() => new AppError('destination_failed', 'x', { status: 502, retryable: true })).handler, getDeps, undefined, deferral)(event, ctx('m-2', HOST_MAX_DEQUEUE_COUNT)))
      .rejects.toMatchObject({ code: 'destination_failed' });
    expect(sent).toHaveLength(1);
  });
});
