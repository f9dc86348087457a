import type { Deliver } from '../../destinations/types';
import type { CheckResult, TransportOptions } from '../types';
import { applyFindingEvent } from '../tickets';
import type { ServiceNowConfig } from './config';
import { tenantOf } from '../../events/tenant';
import { findingAction } from './finding-event';
import { servicenowTickets } from './tickets';
import { type ServiceNowDeps, transportFor } from './transport';

/**
 * `servicenow` destination: one incident (or record of `table`) per finding for the finding's
 * life, on at-least-once delivery (../tickets.ts: state record, lease, search by correlation_id
 * before creating). The correlation_id is tenant-scoped (correlation.ts), so tenants reporting
 * the same finding uid never share a record. Created and updated findings create the record or
 * add a work note; a resolved finding resolves it. Events other than `secorch.finding.*` are
 * skipped.
 */
export interface ServiceNowDestinationOptions {
  /** Test seams: an injected sleep and jitter source. */
  transport?: Partial<TransportOptions>;
}

export function servicenowDestination(name: string, config: ServiceNowConfig, options: ServiceNowDestinationOptions = {}): Deliver {
  return async (event, deps) => {
    const action = findingAction(event);
    if (!action.act) {
      deps.logger.debug('servicenow destination skipped an event', { destination: name, eventId: event.id, reason: action.reason });
      return;
    }
    const transport = transportFor(name, config, deps, options.transport);
    const tenant = tenantOf(event);
    await applyFindingEvent(servicenowTickets(transport, config, deps.store, tenant), deps, {
      destination: name,
      tenant,
      uid: action.uid,
      transition: action.transition,
      event,
      leaseSeconds: config.leaseSeconds,
    });
  };
}

/** For GET /health/ready: one authenticated read of the configured table. */
export function servicenowCheck(name: string, config: ServiceNowConfig, deps: ServiceNowDeps): Promise<CheckResult> {
  return transportFor(name, config, deps).check();
}
