import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { bearerAuth } from '../auth/static';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';
import { hiddenWebhook } from './webhook-url';

/**
 * The Slack transports: the Web API with a bot token (`Authorization: Bearer xoxb-...`, as
 * https://api.slack.com/web#authentication recommends over a `token` form field), and an
 * incoming webhook, whose URL stays out of errors and logs (webhook-url.ts).
 */
export type SlackDeps = { http: HttpClient; clock: Clock; logger?: Logger };

export function slackApiTransport(name: string, config: { baseUrl: string; token: string }, deps: SlackDeps, overrides: Partial<TransportOptions> = {}): Transport {
  return createTransport({
    name,
    baseUrl: config.baseUrl,
    auth: bearerAuth({ token: config.token }),
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    check: { path: '/auth.test' },
    ...overrides,
  });
}

export function slackWebhookTransport(name: string, webhookUrl: string, deps: SlackDeps, overrides: Partial<TransportOptions> = {}): Transport {
  const hook = hiddenWebhook(name, webhookUrl, deps.http);
  return createTransport({
    name,
    baseUrl: hook.baseUrl,
    auth: hook.auth,
    http: hook.http,
    clock: deps.clock,
    logger: deps.logger,
    ...overrides,
  });
}
