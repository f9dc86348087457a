import { toAppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import type { Delivery, Subscription } from '../model';
import { signingSecrets } from '../model';
import { signDelivery } from '../sign';
import { applyTransform, compileTransform } from '../../transform/jsonata';
import type { DeliveryDeps } from './deps';

/**
 * The request of one attempt: the event as a structured CloudEvent (JSON), its `data` replaced by
 * the subscription's transform output when it has one, signed with every live secret of the
 * subscription (two during a rotation overlap) under the delivery id, stable across attempts.
 */
const opened = new Map<string, string>();
const MAX_OPENED = 1000;

async function secretsOf(deps: DeliveryDeps, sub: Subscription, now: number): Promise<string[]> {
  const out: string[] = [];
  for (const sealed of signingSecrets(sub.secrets, now)) {
    let plain = opened.get(sealed);
    if (plain === undefined) {
      plain = await deps.sealer.open(sealed, { tenant: sub.tenant, subscription: sub.id });
      if (opened.size >= MAX_OPENED) opened.delete(opened.keys().next().value!);
      opened.set(sealed, plain);
    }
    out.push(plain);
  }
  return out;
}

/** A transform that fails on this event fails the delivery: the same input fails every time. */
export class TransformFailed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

async function payload(sub: Subscription, event: CloudEvent): Promise<CloudEvent> {
  if (!sub.transform) return event;
  const compiled = compileTransform(sub.transform);
  if (!compiled.ok) throw new TransformFailed('transform_failed', compiled.error);
  try {
    return { ...event, data: await applyTransform(compiled.transform, event) };
  } catch (e) {
    const err = toAppError(e);
    throw new TransformFailed(err.code, err.message);
  }
}

export async function buildRequest(deps: DeliveryDeps, sub: Subscription, delivery: Delivery, event: CloudEvent) {
  const now = deps.clock.now();
  const body = JSON.stringify(await payload(sub, event));
  const signature = signDelivery({ id: delivery.id, timestampSeconds: Math.floor(now / 1000), body, secrets: await secretsOf(deps, sub, now) });
  const headers: Record<string, string> = {
    ...(sub.headers ?? {}),
    'content-type': 'application/cloudevents+json; charset=utf-8',
    'user-agent': 'secorch-webhooks/1',
    ...signature,
  };
  return { body, headers };
}
