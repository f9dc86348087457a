import type { Deliver } from '../../destinations/types';
import type { Deps } from '../../ports';
import type { CheckResult, Transport, TransportOptions } from '../types';
import { authTest } from './auth-test';
import type { SlackConfig } from './config';
import { slackMessage } from './message';
import { postMessage } from './post-message';
import { postWebhook } from './post-webhook';
import { chatSummary } from './summary';
import { slackApiTransport, slackWebhookTransport } from './transport';

/**
 * `slack` destination: each event becomes one Block Kit message, posted with chat.postMessage
 * (token + channel) or to an incoming webhook. A chat post cannot be looked up before it is
 * repeated, so a redelivered event (or a timeout after Slack took the post) can show twice;
 * paging and tickets, not chat, carry the effectively-once guarantee.
 */
type SlackDeps = Pick<Deps, 'http' | 'clock' | 'logger'>;

function transportFor(name: string, config: SlackConfig, deps: SlackDeps, overrides: Partial<TransportOptions> = {}): Transport {
  return config.token !== undefined
    ? slackApiTransport(name, { baseUrl: config.baseUrl, token: config.token }, deps, overrides)
    : slackWebhookTransport(name, config.webhookUrl ?? '', deps, overrides);
}

/** `overrides` reach the transport (tests inject its sleep and jitter). */
export const slackDestination = (name: string, config: SlackConfig, overrides: Partial<TransportOptions> = {}): Deliver => {
  let transport: Transport | undefined;
  return async (event, deps) => {
    // Built once per destination, from the first deps: it holds the breaker.
    transport ??= transportFor(name, config, deps, overrides);
    const message = slackMessage(chatSummary(event, config));
    if (config.token !== undefined) {
      const posted = await postMessage(transport, config.channel ?? '', message, () => deps.clock.now());
      deps.logger.debug('slack message posted', { destination: name, eventId: event.id, channel: posted.channel, ts: posted.ts });
    } else {
      await postWebhook(transport, message);
      deps.logger.debug('slack webhook posted', { destination: name, eventId: event.id });
    }
  };
};

/**
 * For GET /health/ready: auth.test with the bot token. A webhook destination has no check that
 * would not post a message, so it reports ok without a call.
 */
export async function slackCheck(name: string, config: SlackConfig, deps: SlackDeps): Promise<CheckResult> {
  if (config.token === undefined) return { ok: true, latencyMs: 0 };
  return authTest(transportFor(name, config, deps), () => deps.clock.now());
}
