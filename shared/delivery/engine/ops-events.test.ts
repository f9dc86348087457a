import { testDeps } from '../../../test/deps';
import { guardedDeliveryClient } from '../../http/delivery-client';
import type { CloudEvent } from '../../events/cloudevent';
import type { DeliveryDeps } from './deps';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { receiver, seedSubscription } from './testkit';

/**
 * Operational events go on the bus like any other event, so every other subscription and
 * destination of the tenant that matches `secorch.system.*` is sent them. A subscription URL
 * whose query or path is its credential (`?token=`, a Power Automate `sig=`, a Slack hook path)
 * must not travel with them: they name the endpoint by scheme, host, path and parameter names.
 */
const TOKEN = 'subTokenZ9x8c7v6b5';

function engine(deliveries?: Record<string, unknown>) {
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] }, ...(deliveries ? { deliveries } : {}) }, {}, Date.now());
  // A generous deadline: no receiver here hangs, and under load a local answer can take over
  // 300 ms, which would turn the 410 (or the 503) these tests rely on into a timeout.
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: 10_000 });
  const deps: DeliveryDeps = { ...t.deps, outbound, random: () => 0.5 };
  return { ...t, deps, close: () => outbound.close() };
}

const finding: CloudEvent = {
  specversion: '1.0', id: 'e1', source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default', origin: 'api:ci',
  datacontenttype: 'application/json', data: { severity: 'high' },
};

test('subscription.disabled names the subscription URL without its credential, also as delivered to another subscription', async () => {
  const e = engine();
  const gone = await receiver(() => ({ status: 410 }));
  const ops = await receiver();
  try {
    await seedSubscription(e.deps, { url: `${gone.url}/in?api-version=1&token=${TOKEN}`, filter: { exact: { type: 'secorch.finding.created' } } });
    await seedSubscription(e.deps, { url: ops.url, filter: { prefix: { type: 'secorch.system.' } } });
    await fanOut(finding, e.deps);
    await sweepDue(e.deps);
    const disabled = e.bus.events.find((x) => x.type === 'secorch.system.subscription.disabled')!;
    expect(disabled).toBeDefined();
    expect((disabled.data as { url: string }).url).toBe(`${gone.url}/in?api-version=1&token=[redacted]`);

    // The notice as the other subscription's receiver gets it.
    await fanOut(disabled, e.deps);
    await sweepDue(e.deps);
    expect(ops.received).toHaveLength(1);
    expect(ops.received[0]!.body).toContain('secorch.system.subscription.disabled');
    expect(JSON.stringify(e.bus.events) + ops.received[0]!.body).not.toContain(TOKEN);
  } finally {
    await e.close();
    await gone.close();
    await ops.close();
  }
});

test('delivery.failing does not carry a webhook URL whose path is the secret', async () => {
  const e = engine();
  const failing = await receiver(() => ({ status: 503 }));
  try {
    const { sub } = await seedSubscription(e.deps, { url: `${failing.url}/services/T0123ABCD/B0456EFGH/SlackHookSecret0123456789` });
    await fanOut(finding, e.deps);
    for (let i = 0; i < 4; i++) {
      await sweepDue(e.deps);
      e.clock.advance(24 * 3600_000);
    }
    const notice = e.bus.events.find((x) => x.type === 'secorch.system.delivery.failing');
    expect(notice).toBeDefined();
    expect(notice!.data).toEqual(expect.objectContaining({ subscriptionId: sub.id, lastError: 'HTTP 503' }));
    expect(JSON.stringify(notice)).not.toContain('SlackHookSecret');
  } finally {
    await e.close();
    await failing.close();
  }
});

test('no notice about the delivery of a notice: two failing subscriptions do not feed each other without end', async () => {
  // Five attempts a second apart, and a breaker that never opens: every delivery runs its course.
  const e = engine({ retry: { schedule: [0, 1000, 1000, 1000, 1000], jitter: 0 }, breaker: { failureThreshold: 1000 } });
  const failing = await receiver(() => ({ status: 503 }));
  try {
    await seedSubscription(e.deps, { url: `${failing.url}/a` });
    await seedSubscription(e.deps, { url: `${failing.url}/b` });
    await fanOut(finding, e.deps);
    // Each notice on the bus is fanned out like any event: to the other subscription, which fails too.
    const drain = async () => {
      for (let round = 0; round < 12; round++) {
        for (const ev of e.bus.events.splice(0)) await fanOut(ev, e.deps);
        await sweepDue(e.deps);
        e.clock.advance(1000);
      }
    };
    const published: string[] = [];
    const publish = e.deps.bus.publish.bind(e.deps.bus);
    e.deps.bus.publish = async (ev) => {
      published.push(`${ev.type} about ${(ev.data as { eventId?: string }).eventId ?? '-'}`);
      return publish(ev);
    };
    await drain();
    // The finding's two deliveries are noticed (failing, then failed); the deliveries of those
    // notices fail as well but are not noticed in turn.
    expect(published.filter((p) => p.endsWith('about e1')).sort()).toEqual([
      'secorch.system.delivery.failed about e1', 'secorch.system.delivery.failed about e1',
      'secorch.system.delivery.failing about e1', 'secorch.system.delivery.failing about e1',
    ]);
    expect(published.filter((p) => !p.endsWith('about e1'))).toEqual([]);
  } finally {
    await e.close();
    await failing.close();
  }
});
