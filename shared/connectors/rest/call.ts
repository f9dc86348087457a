import { redactUrlPath } from '../../log/url';
import { ConnectorError, isConnectorError } from '../errors';
import { finalWhenUnsure } from '../outcome';
import { isIdempotent } from '../retry/policy';
import type { Transport } from '../types';
import type { RestRequest } from './request';

/**
 * Sends a rendered request and checks its status against `expectStatus`. The transport already
 * turned statuses outside 2xx (and not listed) into typed errors, retrying them where allowed; a
 * 2xx that is not listed means the API did something other than what was configured, which a
 * retry would not change, so it is a final error. A POST or PATCH that is not marked idempotent
 * (`idempotent`, `idempotencyKeyHeader`) and may have reached the API before failing (a 5xx, a
 * timeout, a connection lost after sending) fails for good too (../outcome.ts): a redelivery of
 * the event would send it again.
 */
export async function callRest(t: Transport, req: RestRequest, expectStatus?: readonly number[]): Promise<number> {
  const unsure = (e: unknown) => finalWhenUnsure(e, isIdempotent(req.method, req.idempotent), `set idempotent: true or idempotencyKeyHeader on ${t.name} if repeats are harmless`);
  const res = await t.request(req).catch((e: unknown) => Promise.reject(unsure(redirected(t, e))));
  if (expectStatus && !expectStatus.includes(res.status)) {
    const url = new URL(res.url);
    const path = redactUrlPath(url.hostname, url.pathname);
    throw new ConnectorError(
      'connector_bad_response',
      `${t.name}: ${req.method} ${path} answered HTTP ${res.status}, not one of ${expectStatus.join(', ')}; check the request or expectStatus of ${t.name}`,
      { connector: t.name, method: req.method, path, vendorStatus: res.status },
    );
  }
  return res.status;
}

/** A 3xx not listed in expectStatus (no-redirects.ts): said so, without the Location, which may hold anything. */
function redirected(t: Transport, e: unknown): unknown {
  const status = isConnectorError(e) ? e.facts.vendorStatus : undefined;
  if (!isConnectorError(e) || status === undefined || status < 300 || status > 399) return e;
  return new ConnectorError(
    'connector_rejected',
    `${t.name}: ${e.facts.method} ${e.facts.path} was redirected (HTTP ${status}); redirects are not followed: set baseUrl and path to the final address, or list ${status} under expectStatus of ${t.name}`,
    e.facts,
    e,
  );
}
