import type { CloudEvent } from '../../events/cloudevent';
import type { Delivery, Subscription } from '../model';
import type { Deps } from '../../ports';
import { redactUrl } from '../../log/url';

/** Operational event types of outbound delivery (DESIGN: `secorch.system.*`). */
export const OPS_TYPES = {
  deliveryFailing: 'secorch.system.delivery.failing',
  deliveryFailed: 'secorch.system.delivery.failed',
  subscriptionDisabled: 'secorch.system.subscription.disabled',
} as const;

/**
 * An operational event about a subscription is never delivered to that same subscription: a
 * failing endpoint would otherwise be sent news of its own failures, each failing in turn.
 */
export function isAbout(event: CloudEvent, subscriptionId: string): boolean {
  if (!event.type.startsWith('secorch.system.')) return false;
  const data = event.data as { subscriptionId?: unknown } | undefined;
  return data?.subscriptionId === subscriptionId;
}

/**
 * Publishes an operational event to the bus like any other event, stamped for the tenant. The bus
 * routes it to the tenant's other subscriptions and destinations, so the subscription's URL goes
 * without the credential its query or path may be (`?token=`, `sig=`, a Slack hook path):
 * scheme, host, path and parameter names name the endpoint well enough (shared/log/url.ts).
 */
export async function publishOps(
  deps: Deps, type: string, sub: Pick<Subscription, 'id' | 'tenant' | 'url'>, extra: Record<string, unknown>, delivery?: Delivery,
): Promise<void> {
  // No notice about the delivery of a notice: a failing subscription's notices go to the tenant's
  // other subscriptions, and when those fail too, each failure would make a new notice for the
  // rest, without end. The log still has it.
  if (delivery?.eventType.startsWith('secorch.system.')) {
    deps.logger.info('no operational event about the delivery of one', { type, subscriptionId: sub.id, deliveryId: delivery.id });
    return;
  }
  const event: CloudEvent = {
    specversion: '1.0',
    id: `${type}:${delivery?.id ?? sub.id}:${delivery?.attempts.length ?? deps.clock.now()}`,
    source: 'secorch/deliveries',
    type,
    time: new Date(deps.clock.now()).toISOString(),
    subject: sub.id,
    datacontenttype: 'application/json',
    tenant: sub.tenant,
    origin: 'system',
    data: {
      subscriptionId: sub.id,
      url: redactUrl(sub.url),
      ...(delivery ? { deliveryId: delivery.id, eventId: delivery.eventId, attempts: delivery.attempts.length, lastError: delivery.lastError } : {}),
      ...extra,
    },
  };
  try {
    await deps.bus.publish(event);
  } catch (e) {
    // Informational: a lost notice must not fail (and so repeat) the attempt it reports on.
    deps.logger.warn('could not publish an operational event', { type, subscriptionId: sub.id, error: e });
  }
}
