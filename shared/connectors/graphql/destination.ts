import { errors as configErrors } from '../../errors';
import type { Deliver } from '../../destinations/types';
import { renderHeaders } from '../rest/headers';
import { noRedirects } from '../rest/no-redirects';
import { selects } from '../rest/on';
import { type GenericClient, genericClient } from '../rest/transport';
import { render, type Template } from '../template';
import type { TransportOptions } from '../types';
import type { GraphQLConfig } from './config';
import { operationOf } from './document';
import { errorCode, errorPaths, graphqlError } from './errors';
import { execute } from './execute';
import { graphqlProblems } from './problems';

/**
 * `graphql` destination: one query or mutation per event of the configured types, its variables
 * rendered from the event. A mutation is not repeated after a 5xx or a timeout unless marked
 * idempotent, since the server may have applied it. Redirects are not followed, as for `rest`
 * (../rest/no-redirects.ts): a 307/308 would send the variables to whatever host the Location
 * names, and a 301/302/303 would turn the POST into a GET whose JSON could pass for the answer.
 * `overrides` reach the transport (tests).
 */
export const graphqlDestination = (name: string, config: GraphQLConfig, overrides: Partial<TransportOptions> = {}): Deliver => {
  // Normally refused earlier, by compile.ts; checked here too so a factory never runs a bad config.
  const problems = graphqlProblems(config, `destinations.${name}`);
  const op = operationOf(config.query, config.operationName);
  if (problems.length > 0 || 'problem' in op) throw configErrors.config(`Invalid configuration: ${problems.join('; ')}`, problems[0]?.split(':')[0]);
  const idempotent = config.idempotent ?? op.kind === 'query';
  let client: GenericClient | undefined;
  return async (event, deps) => {
    if (!selects(config.on, event.type)) {
      deps.logger.debug('graphql: event type not configured; skipped', { destination: name, eventId: event.id, type: event.type });
      return;
    }
    const variables = render(config.variables as Template, event);
    const headers = renderHeaders(config.headers, event);
    // Built once per destination, from the first deps: it holds the token cache and the breaker.
    client ??= genericClient(name, { baseUrl: config.endpoint, auth: config.auth }, { ...deps, http: noRedirects(deps.http) }, overrides);
    const done = await execute(client, config.endpoint, { kind: op.kind, query: config.query, variables, operationName: config.operationName, headers, idempotent });
    if (done.errors.length > 0) {
      const accepted = config.partial === 'accept';
      // Paths and codes only: messages can quote variables, and they go into the error when it fails.
      deps.logger.warn('graphql partial data', {
        destination: name, eventId: event.id, accepted, errorPaths: errorPaths(done.errors), codes: done.errors.map(errorCode).filter((c) => c !== undefined),
      });
      if (!accepted) throw graphqlError(done.errors, done.facts, client.scrub, true);
    }
    deps.logger.info('graphql operation sent', { destination: name, eventId: event.id, operation: op.kind, operationName: config.operationName });
  };
};
