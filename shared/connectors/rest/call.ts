import { redactUrlPath } from '../../log/url';
import { ConnectorError } from '../errors';
import type { Transport } from '../types';
import type { RestRequest } from './request';

/**
 * Sends a rendered request and checks its status against `expectStatus`. The transport already
 * turned statuses outside 2xx (and not listed) into typed errors, retrying them where allowed; a
 * 2xx that is not listed means the API did something other than what was configured, which a
 * retry would not change, so it is a final error.
 */
export async function callRest(t: Transport, req: RestRequest, expectStatus?: readonly number[]): Promise<number> {
  const res = await t.request(req);
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
