import { AppError, errors } from '../errors';
import type { CloudEvent } from './cloudevent';
import { decodeHeaderValue, isJsonCharset, isJsonMediaType, parseMediaType, type MediaType } from './http-headers';
import { jsonArrayElementSizes } from './json-array-spans';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth';
import { dropNullAttributes, eventProblems, RESERVED_ATTRIBUTES, setAttribute } from './spec-checks';

/**
 * `POST /events`: CloudEvents HTTP protocol binding 1.0.2 with the JSON (and JSON batch) format.
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md
 *
 * The mode comes from Content-Type (binding section 3): `application/cloudevents-batch...` is
 * batched, `application/cloudevents...` structured, anything else binary. Only the JSON format
 * is supported; another CloudEvents format (e.g. `+avro`) is a 415.
 *
 * Size limits. CloudEvents says intermediaries MUST forward events up to 64 KB, hence the
 * per-event default. Structured and binary: the body may not exceed maxBytes (checked before
 * parsing; in binary mode that is the data, headers are bounded by the HTTP server). Batch: the
 * body may not exceed maxBatchBytes (a cheap cap before parsing), then each event, as sent (its
 * bytes in the body, json-array-spans.ts), may not exceed maxBytes: the same event is accepted
 * alone and in a batch, or in neither.
 */
export type ContentMode = 'structured' | 'binary' | 'batch';

export interface CloudEventsRequest {
  headers: Headers;
  /** The raw body bytes. */
  body: Uint8Array;
  /** Largest event in bytes; default 64 KiB. */
  maxBytes?: number;
  /** Most events in one batch; default 100. */
  maxBatch?: number;
  /**
   * Largest batch body; default maxBytes x maxBatch (6.25 MiB). Lower it where the platform
   * caps bodies below that anyway (a synchronous Lambda invocation takes 6 MB).
   */
  maxBatchBytes?: number;
  /**
   * The binding (section 3.3.2) and the JSON batch format (section 4.3) allow an empty batch,
   * so `[]` is accepted by default and yields no events; false answers 400 `empty_batch`.
   */
  allowEmptyBatch?: boolean;
}

export interface ParsedCloudEvents {
  mode: ContentMode;
  events: CloudEvent[];
}

export interface EventStamp {
  tenant: string;
  /** `webhook:<source id>` or `api:<key id>`. */
  origin: string;
}

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
/** Bounds the error document: problems can quote attribute names, which the client chose. */
const MAX_PROBLEMS = 50;
const MAX_PROBLEM_CHARS = 200;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseCloudEventsRequest(req: CloudEventsRequest): ParsedCloudEvents {
  const { headers, body, maxBytes = 65536, maxBatch = 100, allowEmptyBatch = true } = req;
  const maxBatchBytes = req.maxBatchBytes ?? maxBytes * maxBatch;
  // The server stamps these; refusing the header in every mode means no proxy or later
  // conversion to binary mode can smuggle one in.
  refuseReserved(RESERVED_ATTRIBUTES.filter((a) => headers.has(`ce-${a}`)));
  const contentType = headers.get('content-type') ?? '';
  const media = parseMediaType(contentType);
  if (media.essence.startsWith('application/cloudevents-batch')) {
    if (media.essence !== BATCH) throw errors.unsupportedMediaType(contentType);
    if (body.byteLength > maxBatchBytes) throw errors.payloadTooLarge(maxBatchBytes);
    return { mode: 'batch', events: parseBatch(readJson(body, media), body, maxBytes, maxBatch, allowEmptyBatch) };
  }
  if (body.byteLength > maxBytes) throw errors.payloadTooLarge(maxBytes);
  if (media.essence.startsWith('application/cloudevents')) {
    if (media.essence !== STRUCTURED) throw errors.unsupportedMediaType(contentType);
    return { mode: 'structured', events: checkEvents([readJson(body, media)], () => '') };
  }
  return { mode: 'binary', events: [parseBinary(headers, body, contentType, media)] };
}

/** A copy of the event with the server's extension attributes set (DESIGN.md section 3). */
export function stampEvent(event: CloudEvent, stamp: EventStamp): CloudEvent {
  return { ...event, tenant: stamp.tenant, origin: stamp.origin };
}

function parseBatch(doc: unknown, body: Uint8Array, maxBytes: number, maxBatch: number, allowEmpty: boolean): CloudEvent[] {
  if (!Array.isArray(doc)) throw errors.badRequest('malformed_body', 'A CloudEvents batch is a JSON array of events');
  if (doc.length === 0 && !allowEmpty) throw errors.badRequest('empty_batch', 'The batch contains no events');
  if (doc.length > maxBatch) {
    throw new AppError('batch_too_large', `The batch has ${doc.length} events; at most ${maxBatch} are accepted`, {
      status: 413,
      extra: { limit: maxBatch },
    });
  }
  // Each event as sent, as structured mode measures its body (CloudEvents' size is the wire size).
  const sizes = jsonArrayElementSizes(body);
  doc.forEach((_item, index) => {
    if (sizes[index]! > maxBytes) {
      throw new AppError('payload_too_large', `Event [${index}] exceeds the limit of ${maxBytes} bytes`, {
        status: 413,
        extra: { limit: maxBytes, index },
      });
    }
  });
  const events = checkEvents(doc, (i) => `[${i}].`);
  // (source, id) is an event's identity (spec.md, "id"): two in one batch are one event twice,
  // or two events that consumers would take for duplicates of each other.
  const seen = new Map<string, number>();
  events.forEach((e, i) => {
    const key = `${e.source.length}:${e.source}${e.id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw errors.badRequest('duplicate_event', `Events [${first}] and [${i}] have the same source and id`, { index: i });
    }
    seen.set(key, i);
  });
  return events;
}

/** Binding section 3.1: attributes in `ce-` headers, Content-Type is datacontenttype, the body is data. */
function parseBinary(headers: Headers, body: Uint8Array, contentType: string, media: MediaType): CloudEvent {
  const ev: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, value] of headers) {
    if (!name.startsWith('ce-')) continue;
    const attr = name.slice(3);
    if (attr === 'datacontenttype') problems.push('datacontenttype: in binary mode it is the Content-Type header, ce-datacontenttype is not allowed');
    else if (attr === 'data' || attr === 'data_base64') problems.push(`${attr}: in binary mode the data is the request body`);
    else {
      const decoded = decodeHeaderValue(value);
      if (decoded === undefined) problems.push(`${attr}: header value is not valid percent-encoded UTF-8`);
      else setAttribute(ev, attr, decoded);
    }
  }
  if (Object.keys(ev).length === 0 && problems.length === 0) {
    throw invalidEvent(
      'Not a CloudEvent: send application/cloudevents+json, application/cloudevents-batch+json, or the data with ce- headers (binary mode)',
      eventProblems(ev),
    );
  }
  if (contentType !== '') ev.datacontenttype = contentType;
  if (body.byteLength > 0) {
    // JSON data becomes a JSON value (JSON format 3.1.1); anything else is opaque bytes, kept
    // exactly as received in data_base64 rather than guessing at a text encoding.
    if (contentType !== '' && isJsonMediaType(media.essence)) ev.data = readJson(body, media);
    else ev.data_base64 = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
  }
  problems.push(...eventProblems(ev));
  if (problems.length > 0) throw invalidEvent('The event is not a valid CloudEvent', problems);
  return ev as CloudEvent;
}

/** Structured or batched events: nulls mean unset, reserved attributes refused, then the spec checks. */
function checkEvents(items: unknown[], at: (index: number) => string): CloudEvent[] {
  const reserved = new Set<string>();
  const problems: string[] = [];
  const events = items.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`${at(i)}event: must be a JSON object`);
      return item as CloudEvent;
    }
    const ev = dropNullAttributes(item as Record<string, unknown>);
    for (const a of RESERVED_ATTRIBUTES) if (a in ev) reserved.add(a);
    problems.push(...eventProblems(ev).map((p) => at(i) + p));
    return ev as CloudEvent;
  });
  refuseReserved([...reserved]);
  if (problems.length > 0) throw invalidEvent(items.length > 1 ? 'Some events are not valid CloudEvents' : 'The event is not a valid CloudEvent', problems);
  return events;
}

function readJson(body: Uint8Array, media: MediaType): unknown {
  if (!isJsonCharset(media.charset)) throw errors.unsupportedMediaType(`${media.essence}; charset=${media.charset}`);
  let text: string;
  try {
    text = utf8.decode(body); // a UTF-8 byte order mark is dropped, which RFC 8259 section 8.1 allows
  } catch {
    throw errors.badRequest('malformed_body', 'The request body is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parser's message quotes the body; the caller knows what they sent.
    throw errors.badRequest('malformed_body', 'The request body is not valid JSON');
  }
  // Checked here, before the batch size check and the bus serialise it (json-depth.ts).
  if (nestedDeeperThan(doc)) throw errors.badRequest('malformed_body', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return doc;
}

function refuseReserved(found: string[]): void {
  if (found.length === 0) return;
  throw errors.badRequest('reserved_attribute', `The server sets ${found.join(' and ')}; clients cannot`, { attributes: found });
}

function invalidEvent(message: string, problems: string[]): AppError {
  const clip = (p: string) => (p.length > MAX_PROBLEM_CHARS ? `${p.slice(0, MAX_PROBLEM_CHARS)}...` : p);
  const listed = problems.slice(0, MAX_PROBLEMS).map(clip);
  if (problems.length > MAX_PROBLEMS) listed.push(`... and ${problems.length - MAX_PROBLEMS} more`);
  return errors.badRequest('invalid_event', message, { problems: listed });
}
