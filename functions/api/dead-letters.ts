import type { HttpHandler } from '../../shared/contracts';
import { DEAD_LETTER_KINDS } from '../../shared/deadletters/kinds';
import { type DeadLetter, type DeadLetterSummary, deleteDeadLetter, getDeadLetter, listDeadLetterSummaries, markReplayed } from '../../shared/deadletters/store';
import { keys, SAFE_PART } from '../../shared/delivery/keys';
import { ingestSettings } from '../../shared/config/sections/ingest';
import { AppError, errors, toAppError } from '../../shared/errors';
import { json } from '../../shared/http/body';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { redactAwsEvent } from '../../shared/mappers/aws/redact';
import type { Deps } from '../../shared/ports';
import type { IngestResult } from '../storage-ingest/ingest';
import { parseEvent } from '../event-router/handler';
import { forgetRefusals } from '../event-router/refusal';
import { replayWebhook, stillInvalid } from '../webhook-ingress/dead-letter';
import { sourceFor } from '../webhook-ingress/source';
import { authenticate } from './auth';
import { replayEventBridge } from './dead-letters-eventbridge';
import { MAX_SCANNED } from './deliveries';
import { invalidQuery, pageOf, parseCursor, parseLimit } from './pagination';

/**
 * /dead-letters: inbound deliveries that could not be processed (shared/deadletters/store.ts),
 * listed oldest first, shown with their raw body, replayed, discarded. `deliveries:*` scopes.
 * Keys include the caller's tenant, so another tenant's id is 404 like an unknown one.
 */
const KINDS = DEAD_LETTER_KINDS;
const notFound = () => errors.notFound('dead_letter_not_found', 'No such dead letter');

function deadLetterId(req: Request): string {
  const segment = new URL(req.url).pathname.split('/').filter((s) => s !== '')[1] ?? '';
  let id = '';
  try {
    id = decodeURIComponent(segment);
  } catch {
    // malformed escape: not an id
  }
  if (!SAFE_PART.test(id)) throw notFound();
  return id;
}

async function load(deps: Deps, tenant: string, id: string): Promise<DeadLetter> {
  const found = await getDeadLetter(deps, tenant, id);
  if (!found) throw notFound();
  return found.record;
}

/**
 * The record as the API shows it: never the verified signature, and never a credential its body
 * carries. A scheme that takes its credential from the body (Microsoft Graph's clientState) has a
 * `scrub`, which the ingress applies before publishing; a key with deliveries:read must not
 * learn it here either, or it could post notifications the source accepts as verified. Such a
 * body is shown parsed, scrubbed and serialised again (`bodyRedacted`), withheld if it does not
 * parse; the record keeps the raw bytes, which a replay maps (and scrubs) as the ingress did. An
 * AWS service event (`eventbridge`) is shown without the credentials its resource details may
 * hold (redactAwsEvent): the mappers never publish them either.
 */
function view(deps: Deps, d: DeadLetter): Omit<DeadLetter, 'signature'> & { bodyRedacted?: true } {
  const { signature: _signature, ...rest } = d;
  const scrub = d.kind === 'webhook' ? schemeScrub(deps, d.source) : d.kind === 'eventbridge' ? redactAwsEvent : undefined;
  if (!scrub) return rest;
  let body = '';
  try {
    if (d.encoding === 'utf8') body = JSON.stringify(scrub(JSON.parse(d.body)));
  } catch {
    // Not JSON: nothing the scrub understands, so nothing of it is shown.
  }
  return { ...rest, body, encoding: 'utf8', bodyRedacted: true };
}

/**
 * The body scrub of a configured source: its scheme's, if it has one, then, for a source mapped
 * by the `securityhub` mapper (ASFF over a webhook), the AWS event's (redactAwsEvent), as for an
 * `eventbridge` dead letter.
 */
function schemeScrub(deps: Deps, source: string | undefined): ((payload: unknown) => unknown) | undefined {
  if (source === undefined || !Object.hasOwn(deps.config.sources, source)) return undefined;
  const scheme = sourceFor(deps, source).scheme.scrub;
  if (deps.config.sources[source]!.mapper !== 'securityhub') return scheme;
  return scheme ? (payload) => redactAwsEvent(scheme(payload)) : redactAwsEvent;
}
/** A line of the list: no body (the summary has none), headers or signature. */
function summary(d: DeadLetterSummary) {
  const { signature: _signature, headers: _headers, ...rest } = d;
  return rest;
}

/**
 * What one listing request may read before it answers with what it has and a cursor. Summaries
 * are a few hundred characters each, so only records kept with their body inline (before bodies
 * were kept apart; they expire with the retention) can reach it: the scan then stops after the
 * page that did.
 */
export const MAX_LISTED_CHARS = 8 * 1024 * 1024;

export const listDeadLetterRecords: HttpHandler = async (req, deps) => {
  const { tenant } = authenticate(req, deps, 'deliveries:read');
  const params = new URL(req.url).searchParams;
  const limit = parseLimit(params);
  let after = parseCursor(params, keys.deadLetters(tenant));
  const kind = params.get('kind') || undefined;
  if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) throw invalidQuery('kind', `kind is one of ${KINDS.join(', ')}`);
  const source = params.get('source') || undefined;
  if (source !== undefined && !SAFE_PART.test(source)) throw invalidQuery('source', 'source is not a valid source id');
  const filtered = kind !== undefined || source !== undefined;
  const wanted = (d: DeadLetterSummary) => (kind === undefined || d.kind === kind) && (source === undefined || d.source === source);

  // As /deliveries: one record past a full page tells whether another page exists, and a sparse
  // filter reads at most MAX_SCANNED records (and MAX_LISTED_CHARS), then answers a short page
  // with a cursor.
  const items: ReturnType<typeof summary>[] = [];
  let cursor: string | undefined;
  let scanned = 0;
  let chars = 0;
  for (;;) {
    const page = await listDeadLetterSummaries(deps, tenant, { limit: filtered ? 200 : limit + 1, after });
    chars += page.chars;
    let full = false;
    for (const { key, summary: record } of page.items) {
      scanned += 1;
      if (!wanted(record)) {
        cursor = key;
        continue;
      }
      if (items.length === limit) {
        full = true;
        break;
      }
      items.push(summary(record));
      cursor = key;
    }
    if (full) break;
    if (!page.next) {
      cursor = undefined;
      break;
    }
    if (scanned >= MAX_SCANNED || chars >= MAX_LISTED_CHARS) break;
    after = page.next;
  }
  return json(pageOf(items, cursor));
};

export const getDeadLetterRecord: HttpHandler = async (req, deps) => {
  const { tenant } = authenticate(req, deps, 'deliveries:read');
  return json(view(deps, await load(deps, tenant, deadLetterId(req))));
};

/**
 * Replays a dead letter: a webhook is mapped again from its stored body and published (as the
 * ingress does after verification, with the same event ids); an event is parsed and published to
 * the bus again; a storage notification is ingested again (replayNotification); an AWS service
 * event is run through cloud-findings again (replayEventBridge). The record is kept, its
 * `replays` counted; DELETE discards it.
 */
export const replayDeadLetter: HttpHandler = async (req, deps) => {
  const { tenant, keyId } = authenticate(req, deps, 'deliveries:write');
  const id = deadLetterId(req);
  const record = await load(deps, tenant, id);
  const result: { ids: string[]; ingest?: IngestResult[] } = record.kind === 'notification'
    ? await replayNotification(deps, record)
    : record.kind === 'eventbridge'
      ? await replayEventBridge(deps, record)
      : { ids: record.kind === 'webhook' ? await replayWebhook(deps, record) : [await replayEvent(deps, record)] };
  // The events are on the bus: failing to count the replay must not answer an error, or the
  // caller replays (and publishes) again. The count is informational; the log has the replay.
  await markReplayed(deps, tenant, id).catch((e: unknown) => deps.logger.warn('could not count dead letter replay', { tenant, deadLetterId: id, error: e }));
  deps.logger.info('dead letter replayed', { tenant, keyId, deadLetterId: id, kind: record.kind, ...result });
  return json(result, 202);
};

async function replayEvent(deps: Deps, record: DeadLetter): Promise<string> {
  let event;
  try {
    event = parseEvent(record.encoding === 'base64' ? Buffer.from(record.body, 'base64').toString('utf8') : record.body);
  } catch (e) {
    throw stillInvalid((e as Error).message);
  }
  // The event must belong to the tenant whose dead letter it is: a replay never crosses tenants.
  if ((event.tenant ?? 'default') !== record.tenant) throw stillInvalid('The event names another tenant than its dead letter');
  // The destinations that refused it for good are called again (the cause is meant to be fixed
  // now; functions/event-router/refusal.ts); those that took it keep their delivered marks and are
  // skipped. Cleared before publishing: a store failure answers as the store's (retry the replay).
  await forgetRefusals(deps, event, Object.keys(deps.config.destinations));
  try {
    await deps.bus.publish(event);
  } catch (e) {
    // Larger than this bus takes (a Storage Queue message is 64 KiB): no retry can help.
    if (toAppError(e).code === 'bus_message_too_large') {
      throw new AppError('event_too_large', 'The event is larger than the event bus accepts; a replay cannot succeed', { status: 413, expose: true, cause: e });
    }
    throw new AppError('publish_failed', 'The event could not be queued; retry the replay', { status: 503, retryable: true, expose: true, cause: e, headers: { 'retry-after': '1' } });
  }
  return event.id;
}

/**
 * A storage notification is ingested again, as storage-ingest would on a redelivery: the objects
 * it names are read from this function's object storage and their findings published (an object
 * already ingested is a `duplicate`). Answers the ids published and each object's outcome.
 */
async function replayNotification(deps: Deps, record: DeadLetter): Promise<{ ids: string[]; ingest: IngestResult[] }> {
  if (!deps.objects) {
    throw new AppError('objects_unavailable', 'This function has no object storage to read the reports the notification names; replay it where storage-ingest runs, or copy the objects again', { status: 409, expose: true });
  }
  // Findings go to the ingest tenant: a replay never publishes into another tenant than its dead letter's.
  const ingestTenant = ingestSettings(deps.config.ingest).tenant;
  if (ingestTenant !== record.tenant) throw stillInvalid(`Reports are now ingested for tenant ${ingestTenant}, not this dead letter's`);
  const ids: string[] = [];
  const bus = { publish: async (e: CloudEvent) => (await deps.bus.publish(e), void ids.push(e.id)), check: () => deps.bus.check() };
  const body = record.encoding === 'base64' ? Buffer.from(record.body, 'base64').toString('utf8') : record.body;
  try {
    // Loaded on a replay only: the report parsers stay out of the API's cold start.
    const { ingestNotification } = await import('../storage-ingest/handler');
    return { ingest: await ingestNotification(body, { ...deps, bus }), ids };
  } catch (e) {
    const err = toAppError(e);
    if (err.retryable || err.code === 'invalid_config') throw err;
    throw stillInvalid(err.message);
  }
}

export const deleteDeadLetterRecord: HttpHandler = async (req, deps) => {
  const { tenant, keyId } = authenticate(req, deps, 'deliveries:write');
  const id = deadLetterId(req);
  await load(deps, tenant, id);
  await deleteDeadLetter(deps, tenant, id);
  deps.logger.info('dead letter discarded', { tenant, keyId, deadLetterId: id });
  return new Response(null, { status: 204 });
};
