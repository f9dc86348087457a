import type { CloudEvent } from '../../events/cloudevent';
import { render, type Template } from '../template';
import type { QueryValue, TransportRequest } from '../types';
import { type RestConfig, METHODS } from './config';
import { renderHeaders } from './headers';
import { idempotencyKey } from './idempotency-key';
import { renderPath } from './path';
import { renderTextBody } from './text-body';
import { asText, templateRefused } from './values';

/**
 * The request one event makes at a `rest` destination. Every value from the event goes through a
 * channel that cannot change the request's shape: encoded path segments, query parameters (the
 * URL API encodes them), checked header values, and a JSON body. A text body escapes each value
 * for its content type (form, JSON, XML: text-body.ts); other text types take values as they are.
 */
function renderMethod(t: string, event: CloudEvent): (typeof METHODS)[number] {
  const method = asText(render(t, event)).trim().toUpperCase();
  const known = METHODS.find((m) => m === method);
  if (!known) throw templateRefused('method', `gave a method other than ${METHODS.join(', ')}`);
  return known;
}

function renderQuery(query: Record<string, string>, event: CloudEvent): Record<string, QueryValue> {
  const out: Record<string, QueryValue> = {};
  for (const [k, t] of Object.entries(query)) {
    const v = render(t, event);
    if (Array.isArray(v)) out[k] = v.map(asText);
    else if (asText(v) !== '') out[k] = asText(v);
  }
  return out;
}

function renderBody(c: RestConfig, event: CloudEvent): { body?: unknown; contentType?: string } {
  if (c.body === undefined) return {};
  if (typeof c.body === 'string') return { body: renderTextBody(c.body, event, c.contentType), contentType: c.contentType };
  // Objects and lists go as JSON (../request-body.ts); a contentType replaces application/json.
  return { body: render(c.body as Template, event), contentType: c.contentType };
}

export interface RestRequest extends TransportRequest {
  method: (typeof METHODS)[number];
}

export function restRequest(name: string, c: RestConfig, event: CloudEvent): RestRequest {
  const method = renderMethod(c.method, event);
  const { body, contentType } = renderBody(c, event);
  if (method === 'GET' && body !== undefined) throw templateRefused('method', 'gave GET for a request with a body');
  const headers = renderHeaders(c.headers, event);
  if (contentType) headers['content-type'] = contentType;
  if (c.idempotencyKeyHeader) headers[c.idempotencyKeyHeader.toLowerCase()] = idempotencyKey(name, event);
  return {
    method,
    // Without a path the request goes to baseUrl exactly as configured (a trailing slash kept).
    ...(c.path === undefined ? { url: c.baseUrl } : { path: renderPath(c.path, event) }),
    query: renderQuery(c.query, event),
    headers,
    body,
    idempotent: c.idempotent ?? (c.idempotencyKeyHeader !== undefined ? true : undefined),
    expect: 'none',
    // Listed 3xx and 4xx statuses are answers, not errors; others outside 2xx stay errors.
    allowStatus: c.expectStatus?.filter((s) => s >= 300),
  };
}
