import { cloudFindings } from '../../functions/cloud-findings/handler';
import { apiConfig, call } from '../../functions/api/testkit';
import { listDeadLetters } from '../../shared/deadletters/store';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { asffUid } from '../../shared/mappers/aws';
import { GD_ARN, guardDutyAsff, importedEvent, trivyVulns } from '../../shared/mappers/aws/fixtures.testkit';
import { testDeps } from '../../test/deps';
import { type AwsEventBridgeEvent, awsEventBridge, EVENTBRIDGE_MAX_ATTEMPTS } from './eventbridge';

/**
 * The cloud-findings function (awsEventBridge + cloudFindings, as providers/aws/functions deploys
 * it) keeps the events it cannot process as inbound dead letters of tenant `default`, listed and
 * replayed through the API, instead of leaving them to Lambda's on-failure queue. Real events: the
 * GuardDuty ASFF finding and Trivy's ASFF findings in the EventBridge envelope (fixtures.testkit).
 */
const DEFAULT_KEY = 'default-admin-key-0123456789abcdef';
const setup = () => {
  const t = testDeps({ api: { keys: { ...apiConfig.api.keys, 'default-admin': { key: DEFAULT_KEY, tenant: 'default' } } } });
  const publish = t.bus.publish.bind(t.bus);
  const state = { down: false };
  // The bus of the deployment, down while `state.down` (as an SQS or EventBridge bus reports it).
  t.deps.bus = { ...t.bus, publish: async (e: CloudEvent) => {
    if (state.down) throw new AppError('bus_unavailable', 'event bus unreachable (test)', { status: 503, retryable: true });
    return publish(e);
  } };
  return { ...t, state, handler: awsEventBridge(cloudFindings, async () => t.deps, { maxAttempts: EVENTBRIDGE_MAX_ATTEMPTS }) };
};
const api = (deps: Parameters<typeof call>[0], method: string, path: string) => call(deps, method, path, { key: DEFAULT_KEY });
const kept = async (deps: Parameters<typeof call>[0]) => (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
/** The first revision of the GuardDuty finding (CreatedAt == UpdatedAt): typed created. */
const firstRevision = () => importedEvent([{ ...guardDutyAsff(), UpdatedAt: '2020-08-22T09:34:34.146Z' }]) as unknown as AwsEventBridgeEvent;

describe('cloud-findings dead letters (kind eventbridge)', () => {
  test('a malformed findings event is kept with its body as received, the invocation succeeds; listed by kind; a replay of it unchanged is still invalid', async () => {
    const { deps, bus, handler } = setup();
    const broken = { ...importedEvent(), detail: { findings: [] } } as unknown as AwsEventBridgeEvent;
    await expect(handler(broken)).resolves.toBeUndefined();
    expect(bus.events).toEqual([]);
    const [letter, ...more] = await kept(deps);
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ kind: 'eventbridge', tenant: 'default', encoding: 'utf8', body: JSON.stringify(broken), failures: 1, reason: { code: 'invalid_event' } });

    const listed = await api(deps, 'GET', '/dead-letters?kind=eventbridge');
    expect([listed.status, listed.json.items.map((d: { id: string }) => d.id)]).toEqual([200, [letter!.id]]);
    expect((await api(deps, 'GET', '/dead-letters?kind=event')).json.items).toEqual([]);
    expect((await call(deps, 'GET', '/dead-letters?kind=eventbridge')).json.items).toEqual([]); // another tenant's key

    const replay = await api(deps, 'POST', `/dead-letters/${letter!.id}/replay`);
    expect([replay.status, replay.json.code]).toEqual([422, 'still_invalid']);
    expect(replay.json.detail).toBe('Security Hub Findings - Imported: detail.findings holds no ASFF finding with an Id');
    expect((await api(deps, 'GET', `/dead-letters/${letter!.id}`)).json).toMatchObject({ kind: 'eventbridge', replays: 0 });
  });

  test('a finding the bus refuses for good: the others are published, the event kept with the refusal, the invocation succeeds', async () => {
    const { deps, bus, handler } = setup();
    const publish = deps.bus.publish;
    const huge = { ...guardDutyAsff(), Id: 'huge' };
    deps.bus = { ...deps.bus, publish: async (e) => {
      if (e.subject === asffUid(huge)) throw new AppError('bus_message_too_large', `Event ${e.id} is larger than the bus takes (test)`, { status: 500, retryable: false, expose: false });
      return publish(e);
    } };
    const event = importedEvent([guardDutyAsff(), huge, ...trivyVulns()]) as unknown as AwsEventBridgeEvent;
    await expect(handler(event)).resolves.toBeUndefined();
    expect(bus.events.map((e) => e.subject)).toEqual([...new Set([GD_ARN, ...trivyVulns().map((f) => asffUid(f))])]);
    expect(await kept(deps)).toEqual([expect.objectContaining({ kind: 'eventbridge', tenant: 'default', reason: expect.objectContaining({ code: 'bus_message_too_large' }) })]);
  });

  test('the bus down: thrown at attempts 1 and 2 (Lambda retries), kept and acknowledged at attempt 3; replayed once the bus is back, the first revision still created', async () => {
    const { deps, bus, state, handler } = setup();
    state.down = true;
    await expect(handler(firstRevision())).rejects.toMatchObject({ code: 'bus_unavailable' });
    await expect(handler(firstRevision())).rejects.toMatchObject({ code: 'bus_unavailable' });
    expect(await kept(deps)).toEqual([]);
    await expect(handler(firstRevision())).resolves.toBeUndefined();
    const [letter] = await kept(deps);
    expect(letter).toMatchObject({ kind: 'eventbridge', tenant: 'default', body: JSON.stringify(firstRevision()), reason: { code: 'bus_unavailable', message: 'Failed at attempt 3 of 3: event bus unreachable (test)' } });

    // Still down: 503, retryable, and the dead letter stays as it was.
    const again = await api(deps, 'POST', `/dead-letters/${letter!.id}/replay`);
    expect([again.status, again.json.code, again.headers.get('retry-after')]).toEqual([503, 'publish_failed', '1']);
    expect(bus.events).toEqual([]);

    state.down = false;
    const replay = await api(deps, 'POST', `/dead-letters/${letter!.id}/replay`);
    expect(replay.status).toBe(202);
    expect(bus.events).toEqual([expect.objectContaining({ type: 'secorch.finding.created', subject: GD_ARN, tenant: 'default', origin: 'eventbridge:aws.securityhub' })]);
    expect(replay.json).toEqual({ ids: [bus.events[0]!.id] });
    expect((await api(deps, 'GET', `/dead-letters/${letter!.id}`)).json).toMatchObject({ replays: 1 });
    // A later EventBridge redelivery of the event is the same finding event, same id, still created.
    await handler(firstRevision());
    expect(bus.events[1]).toMatchObject({ id: bus.events[0]!.id, type: 'secorch.finding.created' });
  });

  test('the attempt count unreadable: every attempt throws, the on-failure queue stays the last resort', async () => {
    const { deps, state, handler } = setup();
    const get = deps.store.get.bind(deps.store);
    deps.store.get = (key) => (key.startsWith('ebattempts:') ? Promise.reject(new Error('store down (test)')) : get(key));
    state.down = true;
    for (let attempt = 1; attempt <= 3; attempt++) await expect(handler(firstRevision())).rejects.toMatchObject({ code: 'bus_unavailable' });
    expect(await kept(deps)).toEqual([]);
  });

  test('the dead letter cannot be kept at the last attempt: the original failure is thrown', async () => {
    const { deps, state, handler } = setup();
    const put = deps.store.put.bind(deps.store);
    deps.store.put = (key, ...rest) => (key.startsWith('dlq') ? Promise.reject(new Error('store down (test)')) : put(key, ...rest));
    state.down = true;
    for (let attempt = 1; attempt <= 3; attempt++) await expect(handler(firstRevision())).rejects.toMatchObject({ code: 'bus_unavailable' });
  });
});
