import { encodeCursor, pageOf, parseCursor, parseIso, parseLimit, parseTime } from './pagination';

const q = (s: string) => new URLSearchParams(s);

describe('pagination', () => {
  test('limit: 1..100, default 20', () => {
    expect(parseLimit(q(''))).toBe(20);
    expect(parseLimit(q('limit=1'))).toBe(1);
    expect(parseLimit(q('limit=100'))).toBe(100);
    for (const bad of ['0', '101', '-1', '1e2', '5.0', 'ten', ' 5']) {
      expect(() => parseLimit(q(`limit=${encodeURIComponent(bad)}`))).toThrow(expect.objectContaining({ status: 400, code: 'invalid_query', extra: { parameter: 'limit' } }));
    }
  });

  test('cursor: base64url of the last key, accepted only under its own prefix', () => {
    const cursor = encodeCursor('sub:acme:sub_01');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parseCursor(q(`cursor=${cursor}`), 'sub:acme:')).toBe('sub:acme:sub_01');
    expect(parseCursor(q(''), 'sub:acme:')).toBeUndefined();
    for (const bad of [encodeCursor('sub:globex:sub_01'), encodeCursor('sub:acme:'), encodeCursor('dlv:acme:msg_1'), 'not+base64url', 'x'.repeat(701)]) {
      expect(() => parseCursor(q(`cursor=${encodeURIComponent(bad)}`), 'sub:acme:')).toThrow(expect.objectContaining({ code: 'invalid_query' }));
    }
  });

  // A forged cursor of 680 characters can spell a key the stores refuse (500 bytes of 0xFF decode
  // to 1,500 bytes of U+FFFD, past DynamoDB's 1,024-byte sort key): refused here, as the API's own.
  test('cursor: only the exact encoding of a key a store holds (UTF-8, at most 512 bytes)', () => {
    const longest = `sub:acme:${'a'.repeat(512 - 'sub:acme:'.length)}`;
    expect(parseCursor(q(`cursor=${encodeCursor(longest)}`), 'sub:acme:')).toBe(longest);
    const forged = [
      Buffer.concat([Buffer.from('sub:acme:'), Buffer.alloc(500, 0xff)]).toString('base64url'),
      encodeCursor(`${longest}a`),
      // 'sub:acme:a' is ...YQ; ...YR decodes to the same bytes (the low bits are not zero).
      encodeCursor('sub:acme:a').replace(/Q$/, 'R'),
    ];
    expect(Buffer.from(forged[2]!, 'base64url').toString('utf8')).toBe('sub:acme:a');
    for (const bad of forged) {
      expect(() => parseCursor(q(`cursor=${bad}`), 'sub:acme:')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_query' }));
    }
  });

  test('pageOf: the next cursor names the last key', () => {
    const cursor = encodeCursor('sub:acme:sub_01');
    expect(pageOf([1], 'sub:acme:sub_01')).toEqual({ items: [1], next_cursor: cursor });
    expect(pageOf([1], undefined)).toEqual({ items: [1] });
  });

  test('times: RFC 3339 date-times (or dates) only', () => {
    expect(parseIso('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseIso('2026-01-01T01:00:00.123+01:00')).toBe(Date.parse('2026-01-01T00:00:00.123Z'));
    expect(parseIso('2026-01-01')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseIso('2026-01-01T10:00Z')).toBe(Date.UTC(2026, 0, 1, 10));
    expect(parseIso('2026-01-01T10:00+02:00')).toBe(Date.UTC(2026, 0, 1, 8));
    for (const bad of ['1', 'March 7', '2026-01-01T00:00:00', '2026-13-01T00:00:00Z', 'now']) expect(parseIso(bad)).toBeUndefined();
    expect(() => parseTime(q('since=1'), 'since')).toThrow(expect.objectContaining({ code: 'invalid_query', extra: { parameter: 'since' } }));
  });

  // Date.parse rolls what does not exist over (2026-02-31 is 3 March, 24:00 the next day): a
  // typo must be a 400, not a window silently days off (RFC 3339 section 5.7: day within its month).
  test('times: dates and times that do not exist are refused, not rolled over', () => {
    for (const bad of ['2026-02-29T00:00:00Z', '2026-02-31T00:00:00Z', '2026-04-31T12:00:00Z', '2026-01-00T00:00:00Z', '2026-00-10T00:00:00Z',
      '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-02-30', '2026-01-01T00:00:00+24:00', '2026-01-01T00:00:00+01:60']) {
      expect([bad, parseIso(bad)]).toEqual([bad, undefined]);
    }
    expect(() => parseTime(q('until=2026-02-31T00:00:00Z'), 'until')).toThrow(expect.objectContaining({ code: 'invalid_query', extra: { parameter: 'until' } }));
    // What does exist still parses: a leap day, month ends, the last second of a day, lower-case t and z.
    expect(parseIso('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseIso('2026-04-30T23:59:59.999Z')).toBe(Date.UTC(2026, 3, 30, 23, 59, 59, 999));
    expect(parseIso('2026-12-31t23:59:59z')).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
    expect(parseIso('2026-01-01T00:00:00+23:59')).toBe(Date.UTC(2025, 11, 31, 0, 1));
  });
});
