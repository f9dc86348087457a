import { parseCloudEventsRequest } from './http-binding';
import { encodeHeaderValue, failure } from './http-binding.testkit';

/**
 * Binary content mode, binding section 3.1: attributes in `ce-` headers (percent-encoded,
 * 3.1.3.2), Content-Type as datacontenttype (3.1.1), the body as data (3.1.2).
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md#31-binary-content-mode
 */
const ce = { 'ce-specversion': '1.0', 'ce-id': 'b-1', 'ce-source': '/scanner/ci', 'ce-type': 'com.example.scan.finished' };
const attrs = { specversion: '1.0', id: 'b-1', source: '/scanner/ci', type: 'com.example.scan.finished' };
const binary = (headers: Record<string, string>, body: Uint8Array | string = '', more: { maxBytes?: number } = {}) => ({
  headers: new Headers({ ...ce, ...headers }),
  body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
  ...more,
});
const parse = (...a: Parameters<typeof binary>) => parseCloudEventsRequest(binary(...a)).events[0];

describe('binary mode', () => {
  test('JSON data is parsed; Content-Type becomes datacontenttype as sent', () => {
    const r = parseCloudEventsRequest(binary({ 'content-type': 'application/json; charset=utf-8' }, '{"msg":"Grüße 🌎"}'));
    expect(r).toEqual({ mode: 'binary', events: [{ ...attrs, datacontenttype: 'application/json; charset=utf-8', data: { msg: 'Grüße 🌎' } }] });
  });

  test.each(['application/vnd.api+json', 'text/json', 'application/ld+json; profile="x"'])('%s counts as JSON data (JSON format 3.1)', (ct) => {
    expect(parse({ 'content-type': ct }, '[1,2]')?.data).toEqual([1, 2]);
  });

  test('non-JSON data is kept byte for byte in data_base64', () => {
    const body = new Uint8Array([0x00, 0xff, 0xfe, 0x80, 0x41]);
    expect(parse({ 'content-type': 'application/octet-stream' }, body)).toEqual({
      ...attrs, datacontenttype: 'application/octet-stream', data_base64: 'AP/+gEE=',
    });
    expect(parse({ 'content-type': 'text/plain; charset=utf-8' }, 'Hello, 🌎!')?.data_base64).toBe(Buffer.from('Hello, 🌎!').toString('base64'));
  });

  test('no Content-Type: no datacontenttype, the body as bytes; no body: no data', () => {
    expect(parse({}, 'abc')).toEqual({ ...attrs, data_base64: 'YWJj' });
    expect(parse({ 'content-type': 'application/json' })).toEqual({ ...attrs, datacontenttype: 'application/json' });
  });

  test('extensions arrive as strings: headers carry canonical strings and no type', () => {
    expect(parse({ 'ce-comexampleothervalue': '5', 'ce-traceparent': '00-abc-01' })).toMatchObject({ comexampleothervalue: '5', traceparent: '00-abc-01' });
  });

  test('ce-time in a leap second is a time (RFC 3339 section 5.7); second 60 elsewhere is not', () => {
    expect(parse({ 'ce-time': '2016-12-31T23:59:60Z' })?.time).toBe('2016-12-31T23:59:60Z');
    expect(failure(binary({ 'ce-time': '2016-12-31T12:00:60Z' }))).toMatchObject({ status: 400, code: 'invalid_event', extra: { problems: ['time: must be an RFC 3339 timestamp'] } });
  });

  test('header names are case-insensitive (RFC 9110 section 5.1)', () => {
    expect(parse({ 'CE-Subject': 'repo/main' })?.subject).toBe('repo/main');
  });

  describe('percent-decoding of header values (3.1.3.2)', () => {
    test.each([
      ['the spec example', 'Euro%20%E2%82%AC%20%F0%9F%98%80', 'Euro € 😀'],
      ['lower-case hex', 'Euro%20%e2%82%ac', 'Euro €'],
      ['unnecessary encoding', '%61%62c', 'abc'],
      ['an encoded percent', '100%25', '100%'],
      ['a quoted string (older senders, RFC 7230 3.2.6)', '"a b \\"c\\""', 'a b "c"'],
      ['percent-decoding after unquoting', '"x%20y"', 'x y'],
    ])('%s: %s → %s', (_n, header, value) => {
      expect(parse({ 'ce-subject': header })?.subject).toBe(value);
    });

    test('what our encoder produces round-trips, unicode included', () => {
      const value = 'Größe "50%" — 日本 🌎';
      expect(parse({ 'ce-subject': encodeHeaderValue(value) })?.subject).toBe(value);
    });

    test.each([
      ['an overlong sequence the spec says MUST be rejected', '%C0%A0'],
      ['a truncated sequence', '%E2%82'],
      ['a bare percent', '50%'],
      ['bad hex', '%zz'],
      ['an unterminated quoted string', '"abc'],
      ['an encoded newline (a control character)', 'a%0Ab'],
    ])('%s (%s) → 400 invalid_event', (_n, header) => {
      const err = failure(binary({ 'ce-subject': header }));
      expect(err).toMatchObject({ status: 400, code: 'invalid_event' });
      expect((err.extra.problems as string[])[0]).toMatch(/^subject: /);
    });
  });

  test.each(['tenant', 'origin'])('a ce-%s header → 400 reserved_attribute', (attr) => {
    expect(failure(binary({ [`ce-${attr}`]: 'acme' }))).toMatchObject({ status: 400, code: 'reserved_attribute', extra: { attributes: [attr] } });
  });

  test('ce-datacontenttype is not allowed alongside Content-Type (3.1.1)', () => {
    const err = failure(binary({ 'ce-datacontenttype': 'application/json', 'content-type': 'application/json' }, '{}'));
    expect(err).toMatchObject({ code: 'invalid_event' });
    expect((err.extra.problems as string[])[0]).toMatch(/^datacontenttype: /);
  });

  test('ce-data cannot stand in for the body', () => {
    expect(failure(binary({ 'ce-data': 'x' })).extra.problems).toEqual(['data: in binary mode the data is the request body']);
  });

  test('missing required headers are listed', () => {
    const headers = new Headers(ce);
    headers.delete('ce-type');
    headers.delete('ce-id');
    expect(failure({ headers, body: new Uint8Array() }).extra.problems).toEqual(['id: required non-empty string', 'type: required non-empty string']);
  });

  test('a plain JSON POST without ce- headers is not taken for an event', () => {
    const err = failure({ headers: new Headers({ 'content-type': 'application/json' }), body: new TextEncoder().encode('{}') });
    expect(err).toMatchObject({ status: 400, code: 'invalid_event' });
    expect(err.message).toMatch(/application\/cloudevents\+json/);
  });

  test('an extension header whose name is not a valid attribute name is refused', () => {
    expect(failure(binary({ 'ce-my-extension': 'v' })).extra.problems).toEqual(['my-extension: attribute names are lower-case a-z and 0-9']);
  });

  test('an extension name longer than 20 characters is accepted (spec naming: 20 is a SHOULD NOT)', () => {
    expect(parse({ 'ce-correlationidentifier': 'c-1' })).toEqual({ ...attrs, correlationidentifier: 'c-1' });
  });

  test('malformed JSON data → 400 malformed_body; a non-UTF-8 JSON charset → 415', () => {
    expect(failure(binary({ 'content-type': 'application/json' }, '{"a":'))).toMatchObject({ status: 400, code: 'malformed_body' });
    expect(failure(binary({ 'content-type': 'application/json; charset=iso-8859-1' }, '{}'))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  test('body over maxBytes → 413 payload_too_large', () => {
    expect(failure(binary({ 'content-type': 'text/plain' }, 'x'.repeat(11), { maxBytes: 10 }))).toMatchObject({
      status: 413, code: 'payload_too_large', extra: { limit: 10 },
    });
    expect(parse({ 'content-type': 'text/plain' }, 'x'.repeat(10), { maxBytes: 10 })?.data_base64).toBeDefined();
  });
});
