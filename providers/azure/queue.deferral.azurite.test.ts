import { InvocationContext } from '@azure/functions';
import { azuriteQueue } from './azurite-queue.testkit';
import { claimKey } from '../../functions/event-router/keys';
import { eventRouter } from '../../functions/event-router/handler';
import { destinations } from '../../shared/destinations';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { encodeMessage } from './bus-storage-queue';
import { azureQueue } from './queue';
import { MAX_DEFERRALS, type RouterDeferral, storageQueueDeferral } from './router-deferral';
import { deferredMessageText, unwrapDeferred } from './router-deferral-envelope';

/**
 * The router's trigger deferring a record through the real Azurite queue service the jest global
 * setup started (SECORCH_TEST_AZURITE), with the real router: the destination is claimed by
 * another consumer (a claim in the state store), so the router asks to come back once the claim
 * has lapsed. Azure Functions Core Tools cannot run here (TOOLING.md): the test does the host's
 * part, receiving a message, base64-decoding and JSON-parsing it for the adapter, and deleting it
 * once the adapter returned normally.
 */
const { connectionString, queueName, queue } = azuriteQueue('secorch-defer');
beforeEach(async () => {
  await queue().clearMessages();
});

const event = (id: string): CloudEvent => ({ specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'default', data: { n: 1 } });

/**
 * Router deps with one route to `jira`, whose calls are recorded. `heldForSeconds`: another
 * consumer's claim on the call; `fail`: what each call throws (a circuit still open).
 */
async function routerDeps(e: CloudEvent, heldForSeconds: number, fail?: Error) {
  const t = testDeps({
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['jira'] }],
    destinations: { jira: { type: 'file', path: '/nonexistent/unused.jsonl' } },
  });
  const called: string[] = [];
  destinations(t.deps.config).set('jira', async (got) => {
    called.push(got.id);
    if (fail) throw fail;
  });
  if (heldForSeconds > 0) await t.deps.store.put(claimKey(e, 'jira'), JSON.stringify({ messageId: 'elsewhere', since: t.clock.now() }), { ttlSeconds: heldForSeconds });
  return { ...t, called };
}

const deferral = (hostVisibilityTimeoutMs?: number): (() => RouterDeferral) => {
  const d: RouterDeferral = { queue: storageQueueDeferral({ connectionString, queueName }), hostVisibilityTimeoutMs };
  return () => d;
};

/** Receives one message and runs the router's trigger on it as the host does; the message is deleted when the adapter returns normally. */
async function trigger(run: ReturnType<typeof azureQueue>) {
  const [m] = (await queue().receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
  expect(m).toBeDefined();
  const ctx = new InvocationContext({ invocationId: 'inv', functionName: 'eventRouter', logHandler: () => undefined, triggerMetadata: { id: m!.messageId, dequeueCount: m!.dequeueCount } });
  await run(JSON.parse(Buffer.from(m!.messageText, 'base64').toString('utf8')), ctx);
  await queue().deleteMessage(m!.messageId, m!.popReceipt);
  return m!;
}

const visible = async () => (await queue().peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
const held = async () => (await queue().getProperties()).approximateMessagesCount;

test('a destination claimed for two minutes: the original is replaced by a copy that is on the queue but invisible', async () => {
  const e = event('held-long');
  const { deps, called } = await routerDeps(e, 120);
  await queue().sendMessage(encodeMessage(e));
  // Before deferral, the adapter threw here and nothing was sent: the host's 30 s pace, five dequeues, poison.
  const original = await trigger(azureQueue(eventRouter, async () => deps, undefined, deferral()));
  expect(called).toEqual([]);
  expect(await visible()).toEqual([]);
  expect(await held()).toBe(1);
  expect(original.messageId).toBeDefined();
});

test('the copy becomes visible once the wait has passed, and the router gets the original event, now deliverable', async () => {
  const e = event('held-short');
  // The host's pace shortened to 1 s so that a 3 s claim is waited out by a deferral within the test.
  const { deps, clock, called } = await routerDeps(e, 3);
  const run = azureQueue(eventRouter, async () => deps, undefined, deferral(1_000));
  await queue().sendMessage(encodeMessage(e));
  const sentAt = Date.now();
  await trigger(run);
  expect(await visible()).toEqual([]);
  expect(await held()).toBe(1);

  let copy = await visible();
  while (copy.length === 0 && Date.now() - sentAt < 15_000) {
    await new Promise((r) => setTimeout(r, 200));
    copy = await visible();
  }
  // Visible 3 s after the copy was put, counted from its put time in whole seconds (Azurite, as
  // Azure): at least 2 s after the adapter began.
  expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2_000);
  expect(unwrapDeferred(Buffer.from(copy[0]!.messageText, 'base64').toString('utf8'))).toEqual({ body: JSON.stringify(e), deferrals: 1, receives: 1 });

  clock.advance(3_000); // the claim has lapsed for the state store too
  await trigger(run);
  expect(called).toEqual([e.id]);
  expect(await held()).toBe(0);
});

test('at the bound the adapter throws and sends no further copy', async () => {
  const e = event('circuit-open');
  const circuitOpen = new AppError('circuit_open', 'jira: circuit open', { status: 503, retryable: true, extra: { retryAfterMs: 600_000 } });
  const { deps, called } = await routerDeps(e, 0, circuitOpen);
  const last = deferredMessageText({ body: JSON.stringify(e), deferrals: MAX_DEFERRALS, receives: MAX_DEFERRALS + 4 });
  await queue().sendMessage(Buffer.from(last, 'utf8').toString('base64'));
  await expect(trigger(azureQueue(eventRouter, async () => deps, undefined, deferral()))).rejects.toMatchObject({ code: 'destination_failed' });
  expect(called).toEqual([e.id]);
  // Only the message in hand (invisible, as the host would leave it to come back): no copy.
  expect(await held()).toBe(1);
});
