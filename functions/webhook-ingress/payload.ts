import { errors } from '../../shared/errors';

export interface ParsedPayload {
  /** What becomes the event's data. */
  data: unknown;
  /** Whether `data` is JSON (objects, arrays, ...) or text. */
  contentType: 'application/json' | 'text/plain';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch {
    throw errors.badRequest('invalid_encoding', 'The body is not valid UTF-8');
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest('malformed_body', `${where} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Parses a verified body by its content type. Called only after the signature check passed on
 * the raw bytes. JSON (also `+json`) is parsed; GitHub's form mode (`payload=<json>`) is
 * unwrapped; other form bodies become an object of fields; text stays text.
 */
export function parsePayload(body: Uint8Array, contentType: string | null): ParsedPayload {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    if (body.byteLength === 0) throw errors.badRequest('malformed_body', 'The body is empty');
    return { data: parseJson(decode(body), 'The body'), contentType: 'application/json' };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(decode(body));
    const payload = form.get('payload');
    if (payload !== null && form.size === 1) return { data: parseJson(payload, 'The payload field'), contentType: 'application/json' };
    return { data: Object.fromEntries(form), contentType: 'application/json' };
  }
  if (type.startsWith('text/')) return { data: decode(body), contentType: 'text/plain' };
  throw errors.unsupportedMediaType(type);
}
