import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { bearerAuth } from '../auth/static';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';

/**
 * A minimal connector, the shape every vendor connector follows: one transport file (this one)
 * builds the system's transport from its configuration; each operation is one file beside it
 * taking that transport. The "widgets" API is invented; the tests serve it locally.
 */
export interface ExampleConfig {
  baseUrl: string;
  token: string;
}

export function exampleTransport(
  name: string,
  config: ExampleConfig,
  deps: { http: HttpClient; clock: Clock; logger?: Logger },
  overrides: Partial<TransportOptions> = {},
): Transport {
  return createTransport({
    name,
    baseUrl: config.baseUrl,
    auth: bearerAuth({ token: config.token }),
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    check: { path: '/me' },
    ...overrides,
  });
}
