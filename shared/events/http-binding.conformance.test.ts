import { isAppError } from '../errors';
import { encodeHeaderValue, featureCases, kitEvents, type KitEvent } from './http-binding.testkit';
import { parseCloudEventsRequest } from './http-binding';
import { isJsonMediaType, parseMediaType } from './http-headers';

/**
 * Cases from the CloudEvents conformance kit (cloudevents/conformance, see http-binding.testkit).
 * The kit has valid events only; the invalid ones are in spec-checks.test.ts, each tied to the
 * spec rule it breaks.
 */
const utf8 = (s: string) => new TextEncoder().encode(s);
const isJson = (ct: string | undefined) => ct === undefined || isJsonMediaType(parseMediaType(ct).essence);

function request(ev: KitEvent, mode: 'binary' | 'structured'): { headers: Headers; body: Uint8Array } {
  const headers = new Headers(ev.transport);
  const { datacontenttype, ...attrs } = ev.attributes;
  if (mode === 'binary') {
    for (const [k, v] of Object.entries(attrs)) headers.set(`ce-${k}`, encodeHeaderValue(v));
    if (datacontenttype) headers.set('content-type', datacontenttype);
    return { headers, body: utf8(ev.data ?? '') };
  }
  headers.set('content-type', 'application/cloudevents+json; charset=utf-8');
  // JSON format 3.1.1: JSON data is a JSON value; other data is its string form.
  const data = ev.data === undefined ? undefined : isJson(datacontenttype) ? JSON.parse(ev.data) : ev.data;
  return { headers, body: utf8(JSON.stringify({ ...ev.attributes, data })) };
}

/** What the event's data becomes: binary mode keeps non-JSON bodies as bytes (data_base64). */
function expectedData(ev: KitEvent, mode: 'binary' | 'structured'): Record<string, unknown> {
  if (ev.data === undefined) return {};
  const ct = ev.attributes.datacontenttype;
  if (mode === 'binary' && (ct === undefined || !isJson(ct))) return { data_base64: Buffer.from(ev.data).toString('base64') };
  return { data: isJson(ct) ? JSON.parse(ev.data) : ev.data };
}

/**
 * yaml/v1.yaml gives comexampleextension2 as a `|` block, which keeps a trailing newline. The
 * spec's String type forbids control characters, U+000A included
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md#type-system), so that
 * value is refused as written and accepted without the newline.
 */
const hasControlChars = (ev: KitEvent) => Object.values(ev.attributes).some((v) => /[\u0000-\u001f]/.test(v)); // eslint-disable-line no-control-regex
const chomped = (ev: KitEvent): KitEvent => ({
  ...ev,
  attributes: Object.fromEntries(Object.entries(ev.attributes).map(([k, v]) => [k, v.replace(/\n+$/, '')])),
});

const cases = kitEvents().flatMap((ev) => ev.modes.map((mode) => [`${ev.name} (${mode})`, ev, mode] as const));

describe('conformance kit YAML events (yaml/v1.yaml, yaml/v1.0)', () => {
  test('the kit is there and has the expected events', () => {
    expect(cases).toHaveLength(14); // v1.yaml: 2 events, one mode each; v1.0: 6 events, both modes
  });

  test.each(cases)('%s', (_name, raw, mode) => {
    if (hasControlChars(raw)) {
      let err: unknown;
      try {
        parseCloudEventsRequest(request(raw, mode));
      } catch (e) {
        err = e;
      }
      expect(isAppError(err) && err.code).toBe('invalid_event');
      expect(JSON.stringify((err as { extra: unknown }).extra)).toMatch(/control characters/);
    }
    const ev = hasControlChars(raw) ? chomped(raw) : raw;
    const { mode: got, events } = parseCloudEventsRequest(request(ev, mode));
    expect(got).toBe(mode);
    expect(events).toEqual([{ ...ev.attributes, ...expectedData(ev, mode) }]);
  });
});

describe('conformance kit features/http-protocol-binding.feature', () => {
  const feature = featureCases();

  test('both scenario outlines with all their examples are read', () => {
    expect(feature.map((c) => c.name)).toEqual([
      'Binary content mode (application/json)',
      'Binary content mode (application/json; charset=utf-8)',
      'Structured content mode (application/cloudevents+json)',
      'Structured content mode (application/cloudevents+json; charset=utf-8)',
    ]);
  });

  test.each(feature.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const [event] = parseCloudEventsRequest({ headers: c.headers, body: c.body }).events;
    const { data, ...attributes } = event!;
    expect(attributes).toEqual(c.attributes);
    expect(data).toEqual(c.data);
  });
});
