import { AppError } from '../../shared/errors';
import { parsePayload } from './payload';

const bytes = (s: string | number[]) => (typeof s === 'string' ? new TextEncoder().encode(s) : new Uint8Array(s));
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as AppError).code;
  }
  return 'parsed';
};

describe('parsePayload', () => {
  test('JSON in UTF-8, with or without charset or BOM; +json types too', () => {
    expect(parsePayload(bytes('{"a":"é"}'), 'application/json').data).toEqual({ a: 'é' });
    expect(parsePayload(bytes('{"a":1}'), 'application/json; charset="UTF-8"').data).toEqual({ a: 1 });
    expect(parsePayload(bytes([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), 'application/json').data).toEqual({});
    expect(parsePayload(bytes('[1]'), 'application/cloudevents+json').data).toEqual([1]);
    expect(parsePayload(bytes('{}'), null).contentType).toBe('application/json');
  });

  test('malformed input gets a precise code', () => {
    expect(codeOf(() => parsePayload(bytes('{"a":'), 'application/json'))).toBe('malformed_body');
    expect(codeOf(() => parsePayload(bytes(''), 'application/json'))).toBe('malformed_body');
    expect(codeOf(() => parsePayload(bytes([0x7b, 0xff, 0x7d]), 'application/json'))).toBe('invalid_encoding');
    expect(codeOf(() => parsePayload(bytes('{}'), 'application/json; charset=utf-16'))).toBe('unsupported_charset');
    expect(codeOf(() => parsePayload(bytes('x'), 'text/plain; charset=no-such-charset'))).toBe('unsupported_charset');
    expect(codeOf(() => parsePayload(bytes('x'), 'application/octet-stream'))).toBe('unsupported_media_type');
  });

  test('form bodies: fields, and GitHub form mode unwrapped', () => {
    expect(parsePayload(bytes('token=abc&team_id=T1&text=hello+world%21'), 'application/x-www-form-urlencoded').data)
      .toEqual({ token: 'abc', team_id: 'T1', text: 'hello world!' });
    expect(parsePayload(bytes(`payload=${encodeURIComponent('{"zen":"ok"}')}`), 'application/x-www-form-urlencoded').data).toEqual({ zen: 'ok' });
    expect(codeOf(() => parsePayload(bytes('payload=%7Bbad'), 'application/x-www-form-urlencoded'))).toBe('malformed_body');
  });

  test('a percent-escaped form field that is not UTF-8 is refused as its raw bytes are; escaped UTF-8 and a bare % are kept', () => {
    const form = 'application/x-www-form-urlencoded';
    expect(codeOf(() => parsePayload(bytes('name=caf%E9&x=1'), form))).toBe('invalid_encoding');
    expect(codeOf(() => parsePayload(bytes('caf%E9=1'), form))).toBe('invalid_encoding');
    expect(codeOf(() => parsePayload(bytes([0x6e, 0x3d, 0xe9]), form))).toBe('invalid_encoding');
    expect(parsePayload(bytes('name=caf%C3%A9&rate=100%&sym=%EF%BF%BD'), form).data).toEqual({ name: 'café', rate: '100%', sym: '\uFFFD' });
  });

  test('text in its declared charset', () => {
    expect(parsePayload(bytes([0x63, 0x61, 0x66, 0xe9]), 'text/plain; charset=iso-8859-1').data).toBe('café');
    expect(codeOf(() => parsePayload(bytes([0x63, 0xe9]), 'text/plain'))).toBe('invalid_encoding');
  });

  test('a byte order mark decides the encoding of text over the label, as WHATWG decode does; JSON stays UTF-8', () => {
    const utf16be = Buffer.from('Alert: disk', 'utf16le').swap16();
    expect(parsePayload(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]), 'text/plain; charset=utf-16').data).toBe('Alert: disk');
    expect(parsePayload(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Alert', 'utf16le')]), 'text/plain; charset=utf-16be').data).toBe('Alert');
    expect(parsePayload(bytes([0xef, 0xbb, 0xbf, 0x63, 0xc3, 0xa9]), 'text/plain; charset=iso-8859-1').data).toBe('cé');
    expect(parsePayload(utf16be, 'text/plain; charset=utf-16be').data).toBe('Alert: disk');
    expect(codeOf(() => parsePayload(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('{}', 'utf16le').swap16()]), 'application/json'))).toBe('invalid_encoding');
    // A charset the platform cannot decode stays 415, whatever mark follows: UTF-32LE's starts as UTF-16LE's.
    expect(codeOf(() => parsePayload(bytes([0xff, 0xfe, 0, 0, 0x68, 0, 0, 0]), 'text/plain; charset=utf-32'))).toBe('unsupported_charset');
  });
});
