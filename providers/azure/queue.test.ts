import { InvocationContext } from '@azure/functions';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { AppError } from '../../shared/errors';
import { testDeps } from '../../test/deps';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';
import { azureQueue } from './queue';

/**
 * The storage queue trigger as the v4 worker calls it: one message per invocation, the message
 * already base64-decoded by the host and JSON-parsed by the library when it looks like JSON,
 * with the host's trigger metadata camelCased on the real InvocationContext.
 */

const FIXTURE = 'events/azure-eventgrid-schema-blobcreated.json';

function ctx(meta: Record<string, unknown> = {}) {
  return new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'eventRouter',
    logHandler: () => undefined,
    triggerMetadata: { id: 'b2a4d6c8-0001', dequeueCount: 2, insertionTime: '2026-01-01T00:00:00+00:00', popReceipt: 'AgAAAAMAAAA', ...meta },
  });
}

function recorder(fail?: (r: InboundRecord) => unknown) {
  const seen: InboundRecord[] = [];
  const handler: RecordHandler = async (record) => {
    seen.push(record);
    const e = fail?.(record);
    if (e) throw e;
  };
  return { seen, handler };
}

const deps = async () => testDeps().deps;

describe('azureQueue (storage queue trigger, real InvocationContext)', () => {
  it('resolves for a good message and builds the record from the trigger metadata', async () => {
    const message = fixtureJson(FIXTURE); // what the library hands over: the parsed JSON
    const { seen, handler } = recorder();
    await expect(azureQueue(handler, deps)(message, ctx())).resolves.toBeUndefined();
    expect(seen).toHaveLength(1);
    // With the dequeue count, host.json's maxDequeueCount: the dequeue after which the host poisons the message.
    expect(seen[0]).toMatchObject({ id: 'b2a4d6c8-0001', receiveCount: 2, maxReceives: 5, attributes: { insertionTime: '2026-01-01T00:00:00+00:00' } });
    expect(seen[0]).not.toHaveProperty('minDeferredWaitMs'); // no deferral on this trigger
    // The parsed object is serialised back to JSON text with the same content.
    expect(JSON.parse(seen[0]!.body)).toEqual(JSON.parse(fixtureBytes(FIXTURE).toString('utf8')));
  });

  it('passes a string message through as-is', async () => {
    const { seen, handler } = recorder();
    await azureQueue(handler, deps)('not json {', ctx());
    expect(seen[0]!.body).toBe('not json {');
  });

  it('keeps a UTF-8 Buffer message as text and a non-UTF-8 one as base64, flagged', async () => {
    const { seen, handler } = recorder();
    await azureQueue(handler, deps)(Buffer.from('héllo', 'utf8'), ctx());
    await azureQueue(handler, deps)(Buffer.from([0xff, 0x00, 0xfe]), ctx());
    expect(seen.map((r) => [r.body, r.bodyEncoding])).toEqual([['héllo', undefined], ['/wD+', 'base64']]);
  });

  it('keeps a leading byte order mark of a Buffer message in the text', async () => {
    const { seen, handler } = recorder();
    await azureQueue(handler, deps)(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), ctx());
    expect(seen[0]).toMatchObject({ body: '\uFEFF{}' });
    expect(seen[0]!.bodyEncoding).toBeUndefined();
  });

  it('re-serialises a primitive the library parsed from JSON-looking text', async () => {
    const { seen, handler } = recorder();
    await azureQueue(handler, deps)(42, ctx({ dequeueCount: '1' }));
    expect(seen[0]).toMatchObject({ body: '42', receiveCount: 1 });
  });

  it('THROWS when the record fails, so the host retries and then poisons the message', async () => {
    const { seen, handler } = recorder(() => new Error('downstream said no'));
    const run = azureQueue(handler, deps)(fixtureJson(FIXTURE), ctx());
    await expect(run).rejects.toBeInstanceOf(AppError);
    await expect(run).rejects.toMatchObject({ code: 'internal_error', message: 'Internal error' });
    expect(seen).toHaveLength(1);
  });

  it('throws the AppError the handler raised, code intact', async () => {
    const { handler } = recorder(() => new AppError('invalid_event', 'Not a CloudEvent', { status: 400, retryable: false }));
    await expect(azureQueue(handler, deps)('{}', ctx())).rejects.toMatchObject({ code: 'invalid_event', retryable: false });
  });

  it('falls back to the invocation id when the host gives no message id', async () => {
    const { seen, handler } = recorder();
    await azureQueue(handler, deps)('x', new InvocationContext({ invocationId: 'inv-9', logHandler: () => undefined }));
    expect(seen[0]).toEqual({ id: 'inv-9', body: 'x', attributes: {} });
  });
});
