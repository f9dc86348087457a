import { parseCloudEventsRequest, stampEvent, type CloudEventsRequest } from './http-binding';
import { failure } from './http-binding.testkit';

/** Structured and batched modes, limits and stamping; binary mode is in http-binding.binary.test.ts. */
const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const base = { specversion: '1.0' as const, id: 'e-1', source: '/scanner/ci', type: 'com.example.scan.finished' };

const bytes = (x: unknown) => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x));
const req = (contentType: string, body: unknown, more: Partial<CloudEventsRequest> = {}): CloudEventsRequest => ({
  headers: new Headers({ 'content-type': contentType }),
  body: body instanceof Uint8Array ? body : bytes(body),
  ...more,
});

describe('structured mode (application/cloudevents+json)', () => {
  test('one event, unicode data unchanged', () => {
    const ev = { ...base, datacontenttype: 'application/json', data: { msg: 'Grüße, 🌎!', 'ключ': ['日本'] } };
    expect(parseCloudEventsRequest(req(STRUCTURED, ev))).toEqual({ mode: 'structured', events: [ev] });
  });

  test.each(['application/cloudevents+json; charset=utf-8', 'Application/CloudEvents+JSON; charset="UTF-8"', `${STRUCTURED}; charset=us-ascii`])(
    'content type %s is accepted',
    (ct) => expect(parseCloudEventsRequest(req(ct, base)).events).toEqual([base]),
  );

  test('a UTF-8 byte order mark is tolerated (RFC 8259 section 8.1)', () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(base)]);
    expect(parseCloudEventsRequest(req(STRUCTURED, body)).events).toEqual([base]);
  });

  test('null attributes mean unset; data: null is an explicit null payload (JSON format 2.2, 3.1.1)', () => {
    const { events } = parseCloudEventsRequest(req(STRUCTURED, { ...base, subject: null, time: null, data: null }));
    expect(events).toEqual([{ ...base, data: null }]);
  });

  test.each([
    ['utf-16 charset', `${STRUCTURED}; charset=utf-16`, 415, 'unsupported_media_type'],
    ['another CloudEvents format', 'application/cloudevents+avro', 415, 'unsupported_media_type'],
    ['another batch format', 'application/cloudevents-batch+protobuf', 415, 'unsupported_media_type'],
  ])('%s (%s) → %i', (_n, ct, status, code) => {
    expect(failure(req(ct, base))).toMatchObject({ status, code });
  });

  test.each([
    ['not JSON', '{"specversion": "1.0",'],
    ['empty body', ''],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
  ])('%s → 400 malformed_body', (_n, body) => {
    const err = failure(req(STRUCTURED, body));
    expect(err).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  test('validation problems are listed in extra.problems', () => {
    const { type: _t, ...noType } = base;
    const err = failure(req(STRUCTURED, { ...noType, specversion: '0.3', time: 'yesterday' }));
    expect(err).toMatchObject({ status: 400, code: 'invalid_event' });
    expect(err.extra.problems).toEqual(['specversion: must be "1.0"', 'type: required non-empty string', 'time: must be an RFC 3339 timestamp']);
  });

  test('a JSON array sent as a single event is not an event', () => {
    expect(failure(req(STRUCTURED, [base])).extra.problems).toEqual(['event: must be a JSON object']);
  });

  test.each(['tenant', 'origin'])('a "%s" member is refused: only the server sets it', (attr) => {
    const err = failure(req(STRUCTURED, { ...base, [attr]: 'acme' }));
    expect(err).toMatchObject({ status: 400, code: 'reserved_attribute', extra: { attributes: [attr] } });
  });

  test('a ce-tenant header is refused in structured mode as well', () => {
    const r = req(STRUCTURED, base);
    r.headers.set('ce-tenant', 'acme');
    expect(failure(r)).toMatchObject({ status: 400, code: 'reserved_attribute' });
  });

  test('body over maxBytes → 413 payload_too_large; exactly maxBytes is fine', () => {
    const body = bytes({ ...base, data: 'x'.repeat(200) });
    expect(parseCloudEventsRequest(req(STRUCTURED, body, { maxBytes: body.byteLength })).events).toHaveLength(1);
    expect(failure(req(STRUCTURED, body, { maxBytes: body.byteLength - 1 }))).toMatchObject({
      status: 413, code: 'payload_too_large', extra: { limit: body.byteLength - 1 },
    });
  });

  test('the default limit is 64 KiB', () => {
    const fits = { ...base, data: 'x'.repeat(65536 - JSON.stringify({ ...base, data: '' }).length) };
    expect(parseCloudEventsRequest(req(STRUCTURED, fits)).events).toHaveLength(1);
    expect(failure(req(STRUCTURED, { ...fits, data: `${fits.data}x` }))).toMatchObject({ code: 'payload_too_large', extra: { limit: 65536 } });
  });
});

describe('batched mode (application/cloudevents-batch+json)', () => {
  const second = { ...base, id: 'e-2', datacontenttype: 'application/xml', data: '<scan ok="true"/>' };

  test('events in order, each with its own datacontenttype (binding 3.3.2)', () => {
    expect(parseCloudEventsRequest(req(`${BATCH}; charset=utf-8`, [base, second]))).toEqual({ mode: 'batch', events: [base, second] });
  });

  test('an empty batch is allowed by the spec and yields no events; allowEmptyBatch: false refuses it', () => {
    expect(parseCloudEventsRequest(req(BATCH, [])).events).toEqual([]);
    expect(failure(req(BATCH, [], { allowEmptyBatch: false }))).toMatchObject({ status: 400, code: 'empty_batch' });
  });

  test('two events with the same source and id → 400 duplicate_event naming both; the same id from another source is another event', () => {
    const low = { ...base, id: 'dup', type: 'com.example.low' };
    const high = { ...base, id: 'dup', type: 'com.example.high' };
    expect(failure(req(BATCH, [second, low, high]))).toMatchObject({ status: 400, code: 'duplicate_event', message: 'Events [1] and [2] have the same source and id' });
    expect(parseCloudEventsRequest(req(BATCH, [low, { ...high, source: '/scanner/cd' }])).events).toHaveLength(2);
    // Length-prefixed: a source ending where an id begins is not confused with another split.
    expect(parseCloudEventsRequest(req(BATCH, [{ ...base, source: '/a', id: 'bc' }, { ...base, source: '/ab', id: 'c' }])).events).toHaveLength(2);
  });

  test('each event of a batch is measured as sent, as structured mode measures its body: accepted alone and batched, or neither', () => {
    // 12,000 numbers written 1e20: 60 KB sent, 264 KB once serialised again (100000000000000000000).
    const raw = `{"specversion":"1.0","id":"big","source":"/scanner/ci","type":"t","data":[${Array(12_000).fill('1e20').join(',')}]}`;
    const bytes = new TextEncoder().encode(raw);
    expect(bytes.byteLength).toBeLessThan(65536);
    const send = (type: string, body: string) => parseCloudEventsRequest({ headers: new Headers({ 'content-type': type }), body: new TextEncoder().encode(body) });
    expect(send(STRUCTURED, raw).events).toHaveLength(1);
    expect(send(BATCH, `[${raw}]`).events).toHaveLength(1);
    expect(send(BATCH, `[\n  ${raw} ,\n  ${raw.replace('"big"', '"big2"')}\n]`).events).toHaveLength(2);
    // One byte more than the limit is refused either way, naming the batch index.
    const over = raw.replace('"t"', `"${'t'.repeat(65537 - bytes.byteLength + 1)}"`);
    expect(failure({ headers: new Headers({ 'content-type': STRUCTURED }), body: new TextEncoder().encode(over) })).toMatchObject({ code: 'payload_too_large' });
    expect(failure({ headers: new Headers({ 'content-type': BATCH }), body: new TextEncoder().encode(`[${raw.replace('"big"', '"b0"')},${over}]`) }))
      .toMatchObject({ code: 'payload_too_large', extra: { index: 1 } });
  });

  test('more than maxBatch events → 413 batch_too_large', () => {
    const events = [1, 2, 3].map((i) => ({ ...base, id: `e-${i}` }));
    expect(parseCloudEventsRequest(req(BATCH, events, { maxBatch: 3 })).events).toHaveLength(3);
    expect(failure(req(BATCH, events, { maxBatch: 2 }))).toMatchObject({ status: 413, code: 'batch_too_large', extra: { limit: 2 } });
  });

  test('one event over maxBytes → 413 payload_too_large naming its index', () => {
    const big = { ...base, id: 'big', data: 'x'.repeat(500) };
    expect(failure(req(BATCH, [base, big], { maxBytes: 400 }))).toMatchObject({
      status: 413, code: 'payload_too_large', extra: { limit: 400, index: 1 },
    });
  });

  test('the whole body is capped at maxBytes x maxBatch before parsing', () => {
    const body = bytes(`[${' '.repeat(100)}]`);
    expect(failure(req(BATCH, body, { maxBytes: 50, maxBatch: 2 }))).toMatchObject({ status: 413, extra: { limit: 100 } });
  });

  test('maxBatchBytes lowers the whole-body cap', () => {
    expect(failure(req(BATCH, [base, base], { maxBatchBytes: 20 }))).toMatchObject({ status: 413, code: 'payload_too_large', extra: { limit: 20 } });
  });

  test('the problem list is bounded: 50 entries, each clipped', () => {
    const bad = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`X${i}${'y'.repeat(300)}`, 1]));
    const problems = failure(req(STRUCTURED, { ...base, ...bad })).extra.problems as string[];
    expect(problems).toHaveLength(51);
    expect(problems[50]).toBe('... and 10 more');
    expect(Math.max(...problems.map((p) => p.length))).toBeLessThanOrEqual(203);
  });

  test('a body nested deeper than 200 levels → 400 malformed_body, before any event is serialised', () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    expect(failure(req(BATCH, `[{"specversion":"1.0","id":"a","source":"s","type":"t","data":${deep}}]`))).toMatchObject({ status: 400, code: 'malformed_body' });
    expect(failure(req(STRUCTURED, `{"specversion":"1.0","id":"a","source":"s","type":"t","data":${deep}}`))).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  test('a body that is not a JSON array → 400 malformed_body', () => {
    expect(failure(req(BATCH, base))).toMatchObject({ status: 400, code: 'malformed_body' });
    expect(failure(req(BATCH, '[{'))).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  test('problems name the event by index; nothing is accepted when one event is invalid', () => {
    const err = failure(req(BATCH, [base, { ...base, id: '' }, 'nope']));
    expect(err).toMatchObject({ status: 400, code: 'invalid_event' });
    expect(err.extra.problems).toEqual(['[1].id: required non-empty string', '[2].event: must be a JSON object']);
  });

  test('a reserved attribute in any event refuses the batch', () => {
    expect(failure(req(BATCH, [base, { ...second, origin: 'api:other' }]))).toMatchObject({
      code: 'reserved_attribute', extra: { attributes: ['origin'] },
    });
  });
});

describe('stampEvent', () => {
  test('returns a copy with tenant and origin set; the input is unchanged', () => {
    const ev = { ...base, data: { a: 1 } };
    const stamped = stampEvent(ev, { tenant: 'acme', origin: 'api:ci-scanner' });
    expect(stamped).toEqual({ ...ev, tenant: 'acme', origin: 'api:ci-scanner' });
    expect(ev).not.toHaveProperty('tenant');
  });

  test('stamped values replace any already present', () => {
    const stamped = stampEvent({ ...base, tenant: 'x', origin: 'y' }, { tenant: 'acme', origin: 'webhook:github' });
    expect(stamped).toMatchObject({ tenant: 'acme', origin: 'webhook:github' });
  });
});
