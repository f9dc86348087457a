import type { InboundRecord } from '../../shared/contracts';
import { listDeadLetters } from '../../shared/deadletters/store';
import { AppError } from '../../shared/errors';
import { importedEvent, trivyVulns } from '../../shared/mappers/aws/fixtures.testkit';
import { testDeps } from '../../test/deps';
import { cloudFindings } from './handler';

// The real Trivy ASFF findings in the "Security Hub Findings - Imported" envelope (fixtures.testkit).
const body = JSON.stringify(importedEvent(trivyVulns()));
const record = (over: Partial<InboundRecord> = {}): InboundRecord => ({ id: 'evt-1', body, attributes: {}, ...over });
const kept = async (deps: ReturnType<typeof testDeps>['deps']) => (await listDeadLetters(deps, 'default')).items.map((i) => i.record);

describe('cloud-findings: what it cannot process', () => {
  test('invalid_event is kept at once, whatever the attempt, and the record acknowledged', async () => {
    const { deps, bus } = testDeps();
    const broken = JSON.stringify({ ...importedEvent(), time: 'yesterday' });
    await expect(cloudFindings(record({ body: broken }), deps)).resolves.toBeUndefined();
    await expect(cloudFindings(record({ body: broken, receiveCount: 1, maxReceives: 3 }), deps)).resolves.toBeUndefined();
    expect(bus.events).toEqual([]);
    // The same body failing again counts on its dead letter.
    expect(await kept(deps)).toEqual([expect.objectContaining({
      kind: 'eventbridge', tenant: 'default', body: broken, failures: 2,
      reason: { code: 'invalid_event', message: 'Not an EventBridge event: time: must be an RFC 3339 timestamp' },
    })]);
  });

  test('a retryable failure is thrown before the last attempt, and without a count; kept at the last', async () => {
    const { deps, bus } = testDeps();
    bus.failNext(3);
    await expect(cloudFindings(record(), deps)).rejects.toThrow('bus unavailable (test)');
    await expect(cloudFindings(record({ receiveCount: 2, maxReceives: 3 }), deps)).rejects.toThrow('bus unavailable (test)');
    expect(await kept(deps)).toEqual([]);
    await expect(cloudFindings(record({ receiveCount: 3, maxReceives: 3 }), deps)).resolves.toBeUndefined();
    expect(await kept(deps)).toEqual([expect.objectContaining({ kind: 'eventbridge', body, reason: { code: 'internal_error', message: 'Failed at attempt 3 of 3: Internal error' } })]);
  });

  test('the state store down at the last attempt: the dead letter cannot be kept either, so the failure is thrown', async () => {
    const { deps } = testDeps();
    const down = () => Promise.reject(new AppError('store_unavailable', 'state store unavailable (test)', { status: 503 }));
    deps.store.get = down;
    deps.store.put = down;
    await expect(cloudFindings(record({ receiveCount: 3, maxReceives: 3 }), deps)).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
