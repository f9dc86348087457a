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
 *
 * A 2xx is taken for an accepted event only when it is the Events API's answer (a JSON object with
 * `status: "success"` or the `dedup_key`): a sign-in page of a proxy, or a baseUrl that is not the
 * Events API, answering 200 is connector_bad_response, never a page reported sent that nobody got.
 */
export interface Enqueued {
  status: string;
  message?: string;
  dedup_key: string;
}

export async function enqueue(t: Transport, event: PagerDutyEvent): Promise<Enqueued> {
  try {
    const res = await t.request<unknown>({ method: 'POST', path: '/v2/enqueue', body: event, idempotent: true });
    const body = (typeof res.body === 'object' && res.body !== null && !Array.isArray(res.body) ? res.body : {}) as Partial<Record<keyof Enqueued, unknown>>;
    if (body.status !== 'success' && typeof body.dedup_key !== 'string') {
      throw new ConnectorError('connector_bad_response', `${t.name}: the answer to POST /v2/enqueue (HTTP ${res.status}) is not an Events API answer; check the baseUrl of ${t.name} (https://events.pagerduty.com, or https://events.eu.pagerduty.com)`, {
        connector: t.name, method: 'POST', path: '/v2/enqueue', vendorStatus: res.status,
      });
    }
    return {
      status: typeof body.status === 'string' ? body.status : 'success',
      ...(typeof body.message === 'string' && body.message ? { message: body.message } : {}),
      dedup_key: typeof body.dedup_key === 'string' ? body.dedup_key : event.dedup_key,
    };
  } catch (e) {
    if (!isConnectorError(e) || e.code !== 'connector_rejected') throw e;
    // The errors list says which field is wrong; the transport quoted only `message`. The body is scrubbed already.
    const errors = (tryJson(String(e.facts.body ?? '')) as { errors?: unknown } | undefined)?.errors;
    const said = Array.isArray(errors) ? errors.filter((x): x is string => typeof x === 'string').join('; ').slice(0, 500) : '';
    if (!said) throw e;
    throw new ConnectorError('connector_rejected', `${t.name}: PagerDuty refused the event (HTTP ${e.facts.vendorStatus}): ${said}; fix the template or routingKey it names`, { ...e.facts, vendorMessage: said }, e);
  }
}
