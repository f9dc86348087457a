import type { InvocationContext } from '@azure/functions';
import { runBatch } from '../../shared/batch/runner';
import type { HttpHandler, InboundRecord, RecordHandler } from '../../shared/contracts';
import { AppError, errors, problemResponse, toAppError } from '../../shared/errors';
import { json, readBody } from '../../shared/http/body';
import type { Deps } from '../../shared/ports';
import { echoable, HANDSHAKE_HEADERS, isRecord } from '../../shared/webhooks/schemes/handshake/common';

/**
 * Azure Event Grid -> RecordHandler, two ways:
 * - `azureEventGrid` for `app.eventGrid` (the Functions host answers the subscription handshake
 *   itself); a failed event is THROWN so Event Grid retries it with backoff and then dead-letters:
 *   https://learn.microsoft.com/azure/azure-functions/functions-bindings-event-grid-trigger
 * - `eventGridWebhook` for an HTTP endpoint the subscription delivers to (Event Grid schema or
 *   CloudEvents 1.0 schema), which answers the two handshakes itself:
 *   https://learn.microsoft.com/azure/event-grid/end-point-validation-event-grid-events-schema
 *   https://learn.microsoft.com/azure/event-grid/end-point-validation-cloud-events-schema
 */
export const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** The origin Event Grid names in WebHook-Request-Origin (CloudEvents HTTP Web Hooks, section 4). */
export const EVENT_GRID_ORIGIN = 'eventgrid.azure.net';
const MAX_BODY = 1024 * 1024; // Event Grid's largest batch is 1 MB.

export const eventGridRecord = (event: unknown, fallbackId: string): InboundRecord => {
  const id = isRecord(event) && typeof event.id === 'string' && event.id !== '' ? event.id : fallbackId;
  return { id, body: JSON.stringify(event) ?? 'null', attributes: {} };
};

export function azureEventGrid(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (event: unknown, ctx: InvocationContext): Promise<void> => {
    const [outcome] = await runBatch([eventGridRecord(event, ctx.invocationId)], handler, await getDeps());
    if (outcome && !outcome.ok) throw outcome.error;
  };
}

/** The CloudEvents abuse-protection handshake: only Event Grid's own origin is granted. */
function optionsHandshake(req: Request): Response {
  const origin = req.headers.get('webhook-request-origin');
  const allow = { ...HANDSHAKE_HEADERS, allow: 'OPTIONS, POST' };
  if (origin === null) return new Response(null, { status: 204, headers: allow });
  if (origin.toLowerCase() !== EVENT_GRID_ORIGIN) throw new AppError('origin_not_allowed', 'Only Event Grid may deliver here', { status: 403 });
  return new Response(null, { status: 200, headers: { ...allow, 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*' } });
}

/** Event Grid schema handshake: echo data.validationCode (the validation event comes alone). */
function validationAnswer(events: unknown[]): Response | undefined {
  const validation = events.find((e) => isRecord(e) && e.eventType === VALIDATION_EVENT);
  if (!isRecord(validation)) return undefined;
  const code = isRecord(validation.data) ? validation.data.validationCode : undefined;
  if (events.length !== 1 || typeof code !== 'string' || !echoable(code, 512)) {
    throw errors.badRequest('validation_code_invalid', 'A subscription validation event must come alone with a printable validationCode');
  }
  return json({ validationResponse: code }, 200, HANDSHAKE_HEADERS);
}

/**
 * The HTTP endpoint: every event of the delivery is a record. Any retryable failure answers 503
 * so Event Grid redelivers the whole batch (the events already ingested are duplicates then);
 * an unreadable event answers 400, which Event Grid dead-letters without retrying:
 * https://learn.microsoft.com/azure/event-grid/delivery-and-retry#failure-codes
 */
export function eventGridWebhook(handler: RecordHandler): HttpHandler {
  return async (req, deps) => {
    try {
      if (req.method === 'OPTIONS') return optionsHandshake(req);
      if (req.method !== 'POST') throw errors.methodNotAllowed(['POST', 'OPTIONS']);
      const body = new TextDecoder().decode(await readBody(req, MAX_BODY));
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        throw errors.badRequest('malformed_body', 'The Event Grid delivery is not JSON');
      }
      const events = Array.isArray(payload) ? payload : [payload];
      const answer = validationAnswer(events);
      if (answer) return answer;
      const outcomes = await runBatch(events.map((e, i) => eventGridRecord(e, `event-${i}`)), handler, deps);
      const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
      if (failures.length === 0) return json({ accepted: events.length }, 200);
      throw failures.find((e) => e.retryable) ?? failures[0]!;
    } catch (e) {
      const err = toAppError(e);
      const res = problemResponse(err, new URL(req.url).pathname);
      // Event Grid dead-letters some 4xx at once and the problem renderer turns unexposed errors
      // into a generic 500: every retryable failure is answered 503, which Event Grid retries.
      return err.retryable ? new Response(res.body, { status: 503, headers: res.headers }) : res;
    }
  };
}
