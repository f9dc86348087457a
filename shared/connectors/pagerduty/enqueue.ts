import { tryJson } from '../body';
import { ConnectorError, isConnectorError } from '../errors';
import type { Transport } from '../types';
import type { PagerDutyEvent } from './event';

/**
 * POST /v2/enqueue. `202 {"status": "success", "message": "Event processed", "dedup_key"}`;
 * `400 {"status": "invalid event", "message", "errors": [...]}` is final; 429 and 5xx are to be
 * retried (https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes--retry-logic),
 * a 429 that names no wait by the queue, a minute later (transport.ts).
 * The call is marked idempotent: the same dedup_key makes a repeat land on the same alert, so the
 * transport may retry a 5xx or a timeout too.
 */
export interface Enqueued {
  status: string;
  message?: string;
  dedup_key: string;
}

export async function enqueue(t: Transport, event: PagerDutyEvent): Promise<Enqueued> {
  try {
    const res = await t.request<Partial<Enqueued>>({ method: 'POST', path: '/v2/enqueue', body: event, idempotent: true });
    const body = res.body ?? {};
    return { status: String(body.status ?? 'success'), ...(body.message ? { message: body.message } : {}), dedup_key: String(body.dedup_key ?? event.dedup_key) };
  } catch (e) {
    if (!isConnectorError(e) || e.code !== 'connector_rejected') throw e;
    // The errors list says which field is wrong; the transport quoted only `message`. The body is scrubbed already.
    const errors = (tryJson(String(e.facts.body ?? '')) as { errors?: unknown } | undefined)?.errors;
    const said = Array.isArray(errors) ? errors.filter((x): x is string => typeof x === 'string').join('; ').slice(0, 500) : '';
    if (!said) throw e;
    throw new ConnectorError('connector_rejected', `${t.name}: PagerDuty refused the event (HTTP ${e.facts.vendorStatus}): ${said}; fix the template or routingKey it names`, { ...e.facts, vendorMessage: said }, e);
  }
}
