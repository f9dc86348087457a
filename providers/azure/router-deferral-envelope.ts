/**
 * The message a deferred router record travels in (router-deferral.ts): the original body and how
 * often it was deferred and received, so the copy reaches the router as the original did and an
 * endlessly waiting destination cannot defer it forever.
 *
 * Text: `{"secorchDeferred":{"deferrals":N,"receives":R,"json":<body>}}`, the body embedded as JSON
 * when it is JSON in the form JSON.stringify writes (the queue trigger hands JSON messages over
 * parsed, so a body re-serialised by queue.ts always is): the copy then costs a few dozen bytes
 * more than the original instead of the escaping a JSON string adds. Any other body goes as
 * `"text"`, with `"encoding":"base64"` for bytes that are not UTF-8 (the record's bodyEncoding).
 *
 * An envelope is an object with that one member, so a CloudEvent (which has at least specversion,
 * id, source and type), an Event Grid event or a claim-check reference is never taken for one. A
 * body that starts like one but is not exactly of this shape is left as it is: the router keeps it
 * as a poison message. A sender that may write to the queue can write an envelope, which gains it
 * nothing it could not do by sending the body itself (its receive count can bring a claim takeover
 * forward, as sending the event twice would).
 */
export const DEFERRAL_MARK = 'secorchDeferred';

export interface Deferred {
  /** The original message's body, as the router first saw it: a claim-check reference stays one. */
  body: string;
  bodyEncoding?: 'base64';
  /** How many times the message has been deferred, this copy included (1 for the first copy). */
  deferrals: number;
  /** Receives of the message before this copy: every dequeue of the original and of earlier copies. */
  receives: number;
}

interface Envelope {
  deferrals: number;
  receives: number;
  json?: unknown;
  text?: string;
  encoding?: 'base64';
}

/** True when JSON.parse then JSON.stringify gives `body` back, character for character. */
function canonicalJson(body: string): { value: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return JSON.stringify(value) === body ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/** The envelope's JSON text (the caller encodes it for the queue). */
export function deferredMessageText(d: Deferred): string {
  const json = d.bodyEncoding === undefined ? canonicalJson(d.body) : undefined;
  const inner: Envelope = json
    ? { deferrals: d.deferrals, receives: d.receives, json: json.value }
    : { deferrals: d.deferrals, receives: d.receives, text: d.body, ...(d.bodyEncoding ? { encoding: d.bodyEncoding } : {}) };
  return JSON.stringify({ [DEFERRAL_MARK]: inner });
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ALLOWED = new Set(['deferrals', 'receives', 'json', 'text', 'encoding']);

/** What an envelope body carries; undefined for any other body (passed to the router as it is). */
export function unwrapDeferred(body: string): Deferred | undefined {
  if (!body.startsWith(`{"${DEFERRAL_MARK}":`)) return undefined;
  let outer: unknown;
  try {
    outer = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(outer) || Object.keys(outer).length !== 1) return undefined;
  const inner = outer[DEFERRAL_MARK];
  if (!isObject(inner) || Object.keys(inner).some((k) => !ALLOWED.has(k))) return undefined;
  const { deferrals, receives } = inner;
  if (!isCount(deferrals) || !isCount(receives)) return undefined;
  const hasJson = 'json' in inner;
  if (hasJson === ('text' in inner)) return undefined; // exactly one of the two
  if (hasJson) return 'encoding' in inner ? undefined : { body: JSON.stringify(inner.json), deferrals, receives };
  if (typeof inner.text !== 'string') return undefined;
  if ('encoding' in inner && inner.encoding !== 'base64') return undefined;
  return { body: inner.text, ...(inner.encoding === 'base64' ? { bodyEncoding: 'base64' as const } : {}), deferrals, receives };
}
