import type { InvocationContext } from '@azure/functions';
import { runBatch } from '../../shared/batch/runner';
import { ingestSettings } from '../../shared/config/sections/ingest';
import type { HttpHandler, InboundRecord, RecordHandler } from '../../shared/contracts';
import { keepDeadLetter } from '../../shared/deadletters/store';
import { AppError, errors, problemResponse, toAppError } from '../../shared/errors';
import { json, readBody } from '../../shared/http/body';
import type { Deps } from '../../shared/ports';
import { echoable, HANDSHAKE_HEADERS, isRecord } from '../../shared/webhooks/schemes/handshake/common';

/**
 * Azure Event Grid -> RecordHandler, two ways:
 * - `azureEventGrid` for `app.eventGrid` (the Functions host answers the subscription handshake
 *   itself): https://learn.microsoft.com/azure/azure-functions/functions-bindings-event-grid-trigger
 * - `eventGridWebhook` for an HTTP endpoint the subscription delivers to (Event Grid schema or
 *   CloudEvents 1.0 schema), which answers the two handshakes itself:
 *   https://learn.microsoft.com/azure/event-grid/end-point-validation-event-grid-events-schema
 *   https://learn.microsoft.com/azure/event-grid/end-point-validation-cloud-events-schema
 *
 * Event Grid retries a failed delivery (a thrown trigger, a 5xx) for up to a day, 30 attempts,
 * then dead-letters it when the subscription has a dead-letter destination, which is off by
 * default, and otherwise drops it; a 400 or 413 is dead-lettered or dropped at once. A trigger
 * cannot answer 400, only fail (retried) or return (delivered).
 * https://learn.microsoft.com/azure/event-grid/delivery-and-retry
 * So a failure a retry may mend is thrown (503 over HTTP), and one that none can (an event that
 * is not a storage notification, a blob name the store cannot address) is kept as an inbound dead
 * letter (shared/deadletters, listed under /dead-letters) and acknowledged, as the queue adapters'
 * router keeps a poison message; if it cannot be kept either, it is retried, never dropped.
 */
export const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** The origin Event Grid names in WebHook-Request-Origin (CloudEvents HTTP Web Hooks, section 4). */
export const EVENT_GRID_ORIGIN = 'eventgrid.azure.net';
const MAX_BODY = 1024 * 1024; // Event Grid's largest batch is 1 MB.

export const eventGridRecord = (event: unknown, fallbackId: string): InboundRecord => {
  const id = isRecord(event) && typeof event.id === 'string' && event.id !== '' ? event.id : fallbackId;
  return { id, body: JSON.stringify(event) ?? 'null', attributes: {} };
};

/** Where an event that failed for good is kept: the tenant whose /dead-letters list it. */
export interface EventGridDeadLetters {
  tenant: (deps: Deps) => string;
}

/** storage-ingest's: the tenant its findings are published for (`ingest.tenant`). */
export const ingestDeadLetters: EventGridDeadLetters = { tenant: (deps) => ingestSettings(deps.config.ingest).tenant };
const DEFAULT_DEAD_LETTERS: EventGridDeadLetters = { tenant: () => 'default' };

/**
 * A failure no retry mends. A configuration error is about the deployment, not the event: it is
 * retried while the deployment is fixed (storage-ingest keeps such errors retryable too).
 */
const isFinal = (e: AppError): boolean => !e.retryable && e.code !== 'invalid_config';

/** Keeps the event as an inbound dead letter; false (logged) when the store failed too. */
async function keepFailed(deps: Deps, record: InboundRecord, error: AppError, where: EventGridDeadLetters): Promise<boolean> {
  try {
    const kept = await keepDeadLetter(deps, { tenant: where.tenant(deps), kind: 'notification', body: record.body, reason: { code: error.code, message: error.message } });
    deps.logger.warn('Event Grid event cannot be processed; kept as dead letter', { eventId: record.id, deadLetterId: kept.id, tenant: kept.tenant, code: error.code });
    return true;
  } catch (e) {
    deps.logger.error('could not keep dead letter', { eventId: record.id, error: e });
    return false;
  }
}

export function azureEventGrid(handler: RecordHandler, getDeps: () => Promise<Deps>, deadLetters = DEFAULT_DEAD_LETTERS) {
  return async (event: unknown, ctx: InvocationContext): Promise<void> => {
    const deps = await getDeps();
    const record = eventGridRecord(event, ctx.invocationId);
    const [outcome] = await runBatch([record], handler, deps);
    if (!outcome || outcome.ok) return;
    if (isFinal(outcome.error) && (await keepFailed(deps, record, outcome.error, deadLetters))) return;
    throw outcome.error;
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
 * The HTTP endpoint: every event of the delivery is a record. An event that failed for good is
 * kept as a dead letter (answered 503 when it cannot be); any other failure answers 503 (or the
 * 500 of a configuration error) so Event Grid redelivers the whole batch, the events already
 * ingested being duplicates then, and those kept counted again on their dead letters. A body
 * that is not JSON is answered 400.
 */
export function eventGridWebhook(handler: RecordHandler, deadLetters = DEFAULT_DEAD_LETTERS): HttpHandler {
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
      const records = events.map((e, i) => eventGridRecord(e, `event-${i}`));
      const outcomes = await runBatch(records, handler, deps);
      const failures = outcomes.flatMap((o, i) => (o.ok ? [] : [{ record: records[i]!, error: o.error }]));
      for (const { record, error } of failures.filter((f) => isFinal(f.error))) {
        if (!(await keepFailed(deps, record, error, deadLetters))) {
          throw errors.unavailable('store_unavailable', 'An event that cannot be processed could not be kept as a dead letter; retry the delivery', error);
        }
      }
      const retry = failures.map((f) => f.error).filter((e) => !isFinal(e));
      if (retry.length > 0) throw retry.find((e) => e.retryable) ?? retry[0]!;
      const deadLettered = failures.length;
      return json(deadLettered === 0 ? { accepted: events.length } : { accepted: events.length - deadLettered, deadLettered }, 200);
    } catch (e) {
      const err = toAppError(e);
      const res = problemResponse(err, new URL(req.url).pathname);
      // Event Grid dead-letters some 4xx at once and the problem renderer turns unexposed errors
      // into a generic 500: every retryable failure is answered 503, which Event Grid retries.
      return err.retryable ? new Response(res.body, { status: 503, headers: res.headers }) : res;
    }
  };
}
