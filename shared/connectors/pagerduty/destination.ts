import type { Deliver } from '../../destinations/types';
import type { Transport, TransportOptions } from '../types';
import type { PagerDutyConfig } from './config';
import { enqueue } from './enqueue';
import { actionFor, pagerdutyEvent } from './event';
import { pagerdutyTransport } from './transport';

/**
 * `pagerduty` destination: triggers, acknowledges or resolves the alert of a finding, keyed by
 * its uid scoped by tenant (dedup-key.ts). Effectively once on at-least-once delivery without a
 * state record: PagerDuty folds every event with the same dedup_key into one open alert, and drops
 * an acknowledge or resolve of an alert already resolved. Event types not configured are skipped.
 */
/** `overrides` reach the transport (tests inject its sleep and jitter). */
export const pagerdutyDestination = (name: string, config: PagerDutyConfig, overrides: Partial<TransportOptions> = {}): Deliver => {
  let transport: Transport | undefined;
  return async (event, deps) => {
    const action = actionFor(event.type, config);
    if (action === undefined) {
      deps.logger.debug('pagerduty: event type not configured; skipped', { destination: name, eventId: event.id, type: event.type });
      return;
    }
    // Built once per destination, from the first deps: it holds the breaker.
    transport ??= pagerdutyTransport(name, config, deps, overrides);
    const body = pagerdutyEvent(event, action, config);
    const done = await enqueue(transport, body);
    deps.logger.info('pagerduty event sent', { destination: name, eventId: event.id, action, dedupKey: done.dedup_key });
  };
};
