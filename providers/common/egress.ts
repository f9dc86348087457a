import { lookup } from 'node:dns';
import type { Dispatcher } from 'undici';
import type { Config } from '../../shared/config';
import { type DeliveryClient, guardedDeliveryClient } from '../../shared/http/delivery-client';
import { guardedHttp } from '../../shared/http/egress';
import { guardedAgent, lazyDispatcher } from '../../shared/http/egress-agent';
import type { HttpClient } from '../../shared/ports';

/**
 * Outbound HTTP for every composition root. One undici Agent per configuration (so per cold
 * start) pools keep-alive sockets for JWKS lookups, deliveries and later connectors, and checks
 * every address the platform resolver (node's dns.lookup) answers, at connect time, against
 * `egress.allowPrivate` (shared/http/egress-agent.ts).
 */
const agents = new WeakMap<Config, Dispatcher>();

export function egressAgent(config: Config): Dispatcher {
  let agent = agents.get(config);
  if (!agent) agents.set(config, (agent = lazyDispatcher(() => guardedAgent({ allowPrivate: config.egress.allowPrivate, lookup }))));
  return agent;
}

/** JWKS and other fetches: redirects followed, each hop re-checked (at most 3). */
export function egressHttp(config: Config): HttpClient {
  return guardedHttp({ allowPrivate: config.egress.allowPrivate, lookup, agent: egressAgent(config) });
}

/** Webhook deliveries: no redirect followed, 15 s per delivery, the first 20 KiB of the answer kept. */
export function egressDelivery(config: Config, options: { timeoutMs?: number; maxBodyBytes?: number } = {}): DeliveryClient {
  return guardedDeliveryClient({ ...options, allowPrivate: config.egress.allowPrivate, agent: egressAgent(config) });
}
