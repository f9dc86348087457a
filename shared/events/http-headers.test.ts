import { decodeHeaderValue, isJsonCharset, isJsonMediaType, parseMediaType } from './http-headers';

describe('media types', () => {
  test.each([
    ['application/json', { essence: 'application/json' }],
    ['Application/CloudEvents+JSON; Charset="UTF-8"', { essence: 'application/cloudevents+json', charset: 'utf-8' }],
    ['text/plain ; format=flowed; charset=us-ascii', { essence: 'text/plain', charset: 'us-ascii' }],
    ['', { essence: '' }],
  ])('%s', (value, expected) => expect(parseMediaType(value)).toEqual(expected));

  test('JSON media types: subtype json or a +json suffix (JSON format 3.1)', () => {
    expect(['application/json', 'text/json', 'application/cloudevents+json', 'application/problem+json'].every(isJsonMediaType)).toBe(true);
    expect(['application/jsonl', 'application/xml', 'json', 'text/plain'].some(isJsonMediaType)).toBe(false);
  });

  test('JSON charsets: absent, UTF-8 or its subset US-ASCII (RFC 8259 section 8.1)', () => {
    expect([undefined, 'utf-8', 'utf8', 'us-ascii'].every(isJsonCharset)).toBe(true);
    expect(['utf-16', 'iso-8859-1'].some(isJsonCharset)).toBe(false);
  });
});

describe('decodeHeaderValue (binding 3.1.3.2)', () => {
  test('raw UTF-8 bytes, as Node hands them over in Latin-1 characters, are understood', () => {
    expect(decodeHeaderValue(Buffer.from('é🌎').toString('latin1'))).toBe('é🌎');
  });

  test('a lone Latin-1 byte is not UTF-8 and is refused', () => {
    expect(decodeHeaderValue('caf\u00e9')).toBeUndefined();
  });

  test('a value with no quotes or escapes is returned unchanged', () => {
    expect(decodeHeaderValue('com.example.someevent')).toBe('com.example.someevent');
  });
});
