import fc from 'fast-check';
import { headerValue } from './api-auth';
import { junk, own, Raw, render, utf8 } from './api-json';
import type { Payload } from './api-payloads';

/**
 * Payloads of POST /events (property test ./api.property.test.ts): CloudEvents valid and edited
 * into invalid ones, in structured, batch and binary mode (https://github.com/cloudevents/spec,
 * HTTP protocol binding).
 */

const validEvent = fc.record({
  specversion: fc.constant('1.0'),
  id: fc.stringMatching(/^[A-Za-z0-9._-]{1,24}$/),
  source: fc.constantFrom('ci/scanner', 'urn:example:scanner', '/a/b', 'https://scanner.example.com/'),
  type: fc.constantFrom('secorch.finding.created', 'com.example.scan.finished'),
  time: fc.constantFrom('2026-01-01T00:00:00Z', '2025-12-31T23:59:60.5+01:00'),
  subject: fc.string({ minLength: 1, maxLength: 20 }),
  datacontenttype: fc.constantFrom('application/json', 'application/vnd.example+json'),
  data: fc.jsonValue({ maxDepth: 2 }),
  severity: fc.constantFrom('high', 'low'),
}, { requiredKeys: ['specversion', 'id', 'source', 'type'] });
const ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'dataschema', 'data', 'data_base64', 'tenant', 'origin', 'deliveryid', '__proto__', 'constructor', 'Bad-Name', 'x'.repeat(21)];
const attrValue = fc.oneof(
  fc.constantFrom('1.0', '0.3', '', '2026-02-30T00:00:00Z', 'yesterday', '\u0000', '\ud800', 'a\u0085b', '\ufffe', 'not a uri', 'https://x.example/y', 'text/plain', 'application/json', 'QUJD', 'QUJ', 2147483648, -2147483649, 1.5, null, true),
  fc.string({ maxLength: 20 }),
  junk,
);
const eventEdit = fc.oneof(
  fc.tuple(fc.constant('set' as const), fc.constantFrom(...ATTRIBUTES), attrValue),
  fc.tuple(fc.constant('drop' as const), fc.constantFrom('specversion', 'id', 'source', 'type'), fc.constant(undefined)),
);
const anyEvent = fc.tuple(validEvent, fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, fc.array(eventEdit, { minLength: 1, maxLength: 3 }))).map(([e, edits]) => {
  const entries = new Map<string, unknown>(Object.entries(e));
  for (const [op, name, value] of edits) {
    if (op === 'drop') entries.delete(name);
    else entries.set(name, value);
  }
  return own([...entries]);
});

const STRUCTURED_TYPES = ['application/cloudevents+json', 'application/cloudevents+json; charset=utf-8', 'Application/CloudEvents+JSON', 'application/cloudevents+json; charset=utf-16', 'application/cloudevents+avro', 'application/cloudevents'];
const BATCH_TYPES = ['application/cloudevents-batch+json', 'application/cloudevents-batch+json; charset="UTF-8"', 'application/cloudevents-batch+protobuf'];
const BINARY_TYPES = ['application/json', 'text/plain', 'application/octet-stream', 'application/json; charset=latin1', '', 'text/json', 'image/png'];

/** A ce- header value: as it is when it fits in a header, else percent-encoded (binding 3.1.3.2). */
function headerForm(v: unknown, encode: boolean): string {
  const s = typeof v === 'string' ? v : v instanceof Raw ? v.text.slice(0, 200) : render(v);
  if (!encode && /^[\x20-\x7e\x80-\xff\t]*$/.test(s)) return s;
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80'; // a lone surrogate: its UTF-8 form, which the server must refuse
  }
}
export const eventsPayload: fc.Arbitrary<Payload> = fc.oneof(
  fc.tuple(fc.constantFrom(...STRUCTURED_TYPES), anyEvent).map(([type, e]): Payload => ({ headers: [['content-type', type]], body: utf8(render(e)) })),
  fc.tuple(fc.constantFrom(...BATCH_TYPES), fc.oneof({ weight: 4, arbitrary: fc.array(anyEvent, { maxLength: 4 }) }, anyEvent, junk, fc.constant(Array.from({ length: 101 }, (_, i) => ({ specversion: '1.0', id: `b${i}`, source: 's', type: 't' })))))
    .map(([type, doc]): Payload => ({ headers: [['content-type', type]], body: utf8(render(doc)) })),
  fc.tuple(anyEvent, fc.boolean(), fc.option(fc.constantFrom(...BINARY_TYPES), { nil: undefined }), fc.array(fc.tuple(fc.constantFrom('ce-tenant', 'ce-origin', 'ce-datacontenttype', 'ce-data', 'ce-%', 'ce-id', 'CE-Source'), headerValue), { maxLength: 1 }))
    .map(([e, encode, type, extra]) => {
      const { data, data_base64: _b64, datacontenttype, ...attributes } = e;
      const headers: [string, string][] = Object.entries(attributes).filter(([k]) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)).map(([k, v]) => [`ce-${k}`, headerForm(v, encode)]);
      const contentType = type ?? (typeof datacontenttype === 'string' && /^[\x20-\x7e]*$/.test(datacontenttype) ? datacontenttype : undefined);
      if (contentType !== undefined) headers.push(['content-type', contentType]);
      return { headers: [...headers, ...extra], body: data === undefined ? undefined : utf8(render(data)) };
    }),
);
