import { ConnectorError } from '../errors';
import type { Transport, TransportResponse } from '../types';

/**
 * The check that a 2xx is Graph's own answer before an action is reported done: `isGraphs` says
 * whether the answer is the documented one. A proxy's sign-in page, or a graphUrl that is not
 * Graph, answering 200 would otherwise be taken for a disabled account or revoked sessions that
 * nobody disabled or revoked. Final (connector_bad_response): a redelivery would meet the same page.
 */
export function graphAnswer(t: Transport, res: TransportResponse, o: { method: string; path: string; isGraphs: boolean }): void {
  if (o.isGraphs) return;
  throw new ConnectorError('connector_bad_response', `${t.name}: the answer to ${o.method} ${o.path} (HTTP ${res.status}) is not Microsoft Graph's; nothing is known to be done: check that the graphUrl of ${t.name} is Graph itself`, {
    connector: t.name, method: o.method, path: o.path, vendorStatus: res.status,
  });
}

/** A JSON object body, or undefined. */
export const objectBody = (body: unknown): Record<string, unknown> | undefined =>
  (typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : undefined);
