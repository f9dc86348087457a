import { errors } from '../../errors';
import type { Deliver } from '../../destinations/types';
import type { TransportOptions } from '../types';
import { callRest } from './call';
import type { RestConfig } from './config';
import { noRedirects } from './no-redirects';
import { selects } from './on';
import { restProblems } from './problems';
import { restRequest } from './request';
import { type GenericClient, genericClient } from './transport';

/**
 * `rest` destination: one templated HTTP request per event of the configured types. A call that
 * is not idempotent (a POST or PATCH without `idempotent` or an idempotency key the API honours)
 * is not repeated after it may have reached the API (a 5xx, a timeout): its failure is final
 * (call.ts), kept as a dead letter; only a duplicate copy of the queued event could repeat it.
 * `overrides` reach the transport (tests inject its sleep and jitter).
 */
export const restDestination = (name: string, config: RestConfig, overrides: Partial<TransportOptions> = {}): Deliver => {
  // Normally refused earlier, by compile.ts; checked here too so a factory never runs a bad config.
  const problems = restProblems(config, `destinations.${name}`);
  if (problems.length > 0) throw errors.config(`Invalid configuration: ${problems.join('; ')}`, problems[0]!.split(':')[0]);
  let client: GenericClient | undefined;
  return async (event, deps) => {
    if (!selects(config.on, event.type)) {
      deps.logger.debug('rest: event type not configured; skipped', { destination: name, eventId: event.id, type: event.type });
      return;
    }
    const req = restRequest(name, config, event);
    // Built once per destination, from the first deps: it holds the token cache and the breaker.
    client ??= genericClient(name, config, { ...deps, http: noRedirects(deps.http) }, overrides);
    const status = await callRest(client.transport, req, config.expectStatus);
    // Method and status only: the path and query can carry personal data from the event.
    deps.logger.info('rest request sent', { destination: name, eventId: event.id, method: req.method, status });
  };
};
