import type { Deliver } from '../../destinations/types';
import type { TransportOptions } from '../types';
import { chatSummary } from '../slack/summary';
import { teamsMessage } from './card';
import type { TeamsConfig } from './config';
import { postCard } from './post-card';
import { type TeamsTransport, teamsTransport } from './transport';

/**
 * `teams` destination: each event becomes one Adaptive Card in the webhook's channel. As with
 * any chat post, a redelivered event can show twice; there is no readiness check, since the only
 * call a webhook takes posts a message.
 */
/** `overrides` reach the transport (tests inject its sleep and jitter). */
export const teamsDestination = (name: string, config: TeamsConfig, overrides: Partial<TransportOptions> = {}): Deliver => {
  let hook: TeamsTransport | undefined;
  return async (event, deps) => {
    // Built once per destination, from the first deps: it holds the breaker.
    hook ??= teamsTransport(name, config.webhookUrl, deps, overrides);
    await postCard(hook, teamsMessage(chatSummary(event, config)));
    deps.logger.debug('teams card posted', { destination: name, eventId: event.id });
  };
};
