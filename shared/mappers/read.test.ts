import { arr, compact, epochMs, lookup, num, obj, str, strings } from './read';

describe('defensive readers', () => {
  test('obj accepts plain objects only', () => {
    expect(obj({ a: 1 })).toEqual({ a: 1 });
    for (const v of [null, undefined, [], 'x', 1, true]) expect(obj(v)).toBeUndefined();
  });

  test('str, num and arr reject other types and empty or non-finite values', () => {
    expect(str('a')).toBe('a');
    expect(str('')).toBeUndefined();
    expect(str(1)).toBeUndefined();
    expect(num(3)).toBe(3);
    expect(num(Number.NaN)).toBeUndefined();
    expect(num('3')).toBeUndefined();
    expect(arr([1])).toEqual([1]);
    expect(arr({ length: 1 })).toEqual([]);
    expect(strings(['a', '', 3, 'b'])).toEqual(['a', 'b']);
    expect(strings([1, null])).toBeUndefined();
  });

  test('lookup ignores inherited keys such as "constructor"', () => {
    const table = { error: 4 };
    expect(lookup(table, 'error')).toBe(4);
    expect(lookup(table, 'constructor')).toBeUndefined();
    expect(lookup(table, 'toString')).toBeUndefined();
    expect(lookup(table, 42)).toBeUndefined();
  });

  test('epochMs parses RFC 3339 and rejects garbage', () => {
    expect(epochMs('2021-02-11T03:10:43Z')).toBe(Date.UTC(2021, 1, 11, 3, 10, 43));
    expect(epochMs('yesterday')).toBeUndefined();
    expect(epochMs(1613013043000)).toBeUndefined();
  });

  test('compact drops undefined members but keeps null, false and 0', () => {
    expect(compact({ a: undefined, b: null, c: false, d: 0 })).toStrictEqual({ b: null, c: false, d: 0 });
  });
});
