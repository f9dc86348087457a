import { InvocationContext } from '@azure/functions';
import { azuriteQueue } from './azurite-queue.testkit';
import { eventRouter } from '../../functions/event-router/handler';
import { listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { testDeps } from '../../test/deps';
import { azureQueue } from './queue';

/**
 * A poison message through the real Azurite queue service the jest global setup started on
 * 127.0.0.1 (SECORCH_TEST_AZURITE), then the storage queue trigger adapter and the real router.
 * Azure Functions Core Tools cannot run here (TOOLING.md), so the host's part is done in the
 * test: it base64-decodes the message text (messageEncoding "base64", the default) and hands the
 * bytes over as a Buffer, as the v4 library gives binary data.
 */

describe('storage queue trigger with a poison message (real Azurite)', () => {
  const { queue } = azuriteQueue('secorch-poison');

  /** Sends `bytes` through the queue, then hands what the queue gives back to the adapter and the real router. */
  async function routeThroughQueue(bytes: Buffer) {
    await queue().sendMessage(bytes.toString('base64'));
    const { receivedMessageItems: [m] } = await queue().receiveMessages({ numberOfMessages: 1 });
    expect(m).toBeDefined();
    const { deps } = testDeps();
    const ctx = new InvocationContext({
      invocationId: 'inv-1',
      functionName: 'eventRouter',
      logHandler: () => undefined,
      triggerMetadata: { id: m!.messageId, dequeueCount: m!.dequeueCount, popReceipt: m!.popReceipt },
    });
    await expect(azureQueue(eventRouter, async () => deps)(Buffer.from(m!.messageText, 'base64'), ctx)).resolves.toBeUndefined();
    await queue().deleteMessage(m!.messageId, m!.popReceipt);
    return (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
  }

  it('not UTF-8: acknowledged and kept as a dead letter of its exact bytes, marked base64', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x22, 0xc3]);
    const [kept] = await routeThroughQueue(bytes);
    expect(kept).toMatchObject({ kind: 'event', encoding: 'base64', reason: { code: 'invalid_event' } });
    expect(Buffer.from(rawBody(kept!)).equals(bytes)).toBe(true);
  });

  it('UTF-8 behind a byte order mark: the dead letter keeps the mark, so it is the message byte for byte', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('not an event', 'utf8')]);
    const [kept] = await routeThroughQueue(bytes);
    expect(kept).toMatchObject({ kind: 'event', encoding: 'utf8', reason: { code: 'invalid_event' } });
    expect(Buffer.from(rawBody(kept!)).equals(bytes)).toBe(true);
  });
});
