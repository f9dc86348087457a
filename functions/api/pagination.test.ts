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
    expect(pageOf([1], 'sub:acme:sub_01')).toEqual({ items: [1], next_cursor: cursor });
    expect(pageOf([1], undefined)).toEqual({ items: [1] });
  });

  test('times: RFC 3339 date-times (or dates) only', () => {
    expect(parseIso('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseIso('2026-01-01T01:00:00.123+01:00')).toBe(Date.parse('2026-01-01T00:00:00.123Z'));
    expect(parseIso('2026-01-01')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    for (const bad of ['1', 'March 7', '2026-01-01T00:00:00', '2026-13-01T00:00:00Z', 'now']) expect(parseIso(bad)).toBeUndefined();
    expect(() => parseTime(q('since=1'), 'since')).toThrow(expect.objectContaining({ code: 'invalid_query', extra: { parameter: 'since' } }));
  });
});
