import type { Config } from '../config/schema';
import type { EventBus } from './bus';
import type { Clock } from './clock';
import type { HttpClient } from './http';
import type { Ids } from './ids';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { ObjectStorage } from './objects';
import type { Secrets } from './secrets';
import type { RuntimeReadiness } from './readiness';
import type { Sealer } from './sealer';
import type { DeliveryClient } from '../http/delivery-client';
import type { StateStore } from './store';
import type { WakeUps } from './wakeups';

export * from './bus';
export * from './clock';
export * from './http';
export * from './ids';
export * from './logger';
export * from './metrics';
export * from './objects';
export * from './secrets';
export type { RuntimeCheck, RuntimeReadiness } from './readiness';
export type { Sealer } from './sealer';
export * from './store';
export type { WakeUp, WakeUps } from './wakeups';

/**
 * Everything a handler may touch. A provider's composition root builds it once per cold start;
 * the core never reads process.env or calls Date.now().
 */
export interface Deps {
  config: Config;
  clock: Clock;
  ids: Ids;
  http: HttpClient;
  store: StateStore;
  bus: EventBus;
  objects?: ObjectStorage;
  secrets: Secrets;
  /** Encryption at rest of subscription secrets (KMS, Key Vault, Cloud KMS, a local key file). */
  sealer?: Sealer;
  /** Outbound webhook deliveries: egress-guarded, keep-alive, no redirects, a deadline. */
  outbound?: DeliveryClient;
  /** Punctual wake-ups for due delivery attempts (a delayed queue message); the sweep is the backstop. */
  wakeups?: WakeUps;
  logger: Logger;
  metrics: Metrics;
  /** Checks of the runtime's own parts for GET /health/ready (local worker processes); clouds have none. */
  readiness?: RuntimeReadiness;
}
