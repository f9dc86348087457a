import { lookup } from 'node:dns/promises';
import type { Config } from '../../shared/config';
import { guardedHttp } from '../../shared/http/egress';
import { type HttpClient, platformHttp } from '../../shared/ports';

/**
 * Outbound HTTP for every composition root: the platform fetch behind the egress guard, so
 * JWKS lookups (and later deliveries and connectors) reach only public addresses unless
 * `egress.allowPrivate` opens a range. DNS is the platform resolver.
 */
export function egressHttp(config: Config): HttpClient {
  return guardedHttp(platformHttp, {
    allowPrivate: config.egress.allowPrivate,
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
  });
}
