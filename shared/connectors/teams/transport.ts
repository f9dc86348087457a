import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { type Scrub, scrubber } from '../scrub';
import { hiddenWebhook } from '../slack/webhook-url';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';

/**
 * The transport of one Teams webhook. Its URL stays out of errors and logs (../slack/webhook-url.ts);
 * `scrub` removes it from answers the operation quotes itself (legacy connectors report errors
 * in a 200 body, which the transport does not read as an error).
 */
export interface TeamsTransport {
  transport: Transport;
  scrub: Scrub;
}

export function teamsTransport(name: string, webhookUrl: string, deps: { http: HttpClient; clock: Clock; logger?: Logger }, overrides: Partial<TransportOptions> = {}): TeamsTransport {
  const hook = hiddenWebhook(name, webhookUrl, deps.http);
  const transport = createTransport({ name, baseUrl: hook.baseUrl, auth: hook.auth, http: hook.http, clock: deps.clock, logger: deps.logger, ...overrides });
  return { transport, scrub: scrubber(() => hook.auth.secrets()) };
}
