import type { Deliver } from '../../destinations/types';
import { applyFindingEvent } from '../tickets';
import type { Transport, TransportOptions } from '../types';
import type { JiraConfig } from './config';
import { findingFacts } from './finding';
import { jiraTickets } from './tickets';
import { jiraTransport } from './transport';

/**
 * `type: jira` destination: a finding's first event creates an issue, later ones comment on it,
 * `secorch.finding.resolved` applies the configured transition. Effectively once on
 * at-least-once delivery through applyFindingEvent (shared/connectors/tickets.ts). Other events
 * are not for this destination and are passed over. `overrides` lets tests inject sleep and
 * jitter into the transport.
 */
export function jiraDestination(name: string, config: JiraConfig, overrides: Partial<TransportOptions> = {}): Deliver {
  let transport: Transport | undefined;
  return async (event, deps) => {
    const facts = findingFacts(event);
    if (!facts) {
      deps.logger.debug('jira destination: not a finding event; skipped', { destination: name, type: event.type });
      return;
    }
    transport ??= jiraTransport(name, config, deps, overrides);
    const outcome = await applyFindingEvent(jiraTickets(transport, config, facts.tenant), deps, {
      destination: name, tenant: facts.tenant, uid: facts.uid, transition: facts.transition, event,
    });
    deps.logger.info('jira destination applied a finding event', {
      destination: name, eventId: event.id, action: outcome.action, ticket: outcome.ref?.key, ...(outcome.action === 'skipped' ? { reason: outcome.reason } : {}),
    });
  };
}
