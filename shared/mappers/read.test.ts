import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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

  test('epochMs takes ISO 8601 forms only: V8\'s legacy fallback would turn stray digits into dates', () => {
    for (const s of ['12', '3', 'build 42', '1 2', 'v2 2024']) expect(epochMs(s)).toBeUndefined();
    expect(epochMs('2021-08-25T12:20:30.000000005Z')).toBe(Date.UTC(2021, 7, 25, 12, 20, 30)); // Trivy's nanoseconds
    expect(epochMs('2024-01-01T10:00:00+0200')).toBe(Date.UTC(2024, 0, 1, 8));
    expect(epochMs('2024-01-01')).toBe(Date.UTC(2024, 0, 1));
    expect(epochMs('Mon, 01 Jan 2024 10:00:00 GMT')).toBe(Date.UTC(2024, 0, 1, 10));
  });

  test('epochMs takes only years RFC 3339 can write (0000-9999): toISOString writes others as +YYYYYY, which is no RFC 3339 time', () => {
    for (const s of ['+020000-01-01T00:00:00Z', '+010000-01-01', '-000001-12-31T00:00:00Z', '+275760-09-13T00:00:00.000Z']) expect(epochMs(s)).toBeUndefined();
    expect(epochMs('9999-12-31T23:59:59.999Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    expect(epochMs('9999-12-31T23:59:59-01:00')).toBeUndefined(); // 10000-01-01 in UTC
    expect(epochMs('+002024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1));
    expect(new Date(epochMs('0000-01-01T00:00:00Z')!).toISOString()).toBe('0000-01-01T00:00:00.000Z');
  });

  test('epochMs reads a date-time without an offset as UTC, not in the host\'s time zone', () => {
    // Only a new process takes another TZ (Jest hands tests a copy of process.env).
    const code = "const { epochMs } = require('./shared/mappers/read.ts'); process.stdout.write(JSON.stringify([epochMs('2024-01-01T10:00:00'), epochMs('2024-01-01 10:00:00.250')]))";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: join(__dirname, '..', '..'), env: { ...process.env, TZ: 'America/New_York' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([Date.UTC(2024, 0, 1, 10), Date.UTC(2024, 0, 1, 10, 0, 0, 250)]);
  });

  test('compact drops undefined members but keeps null, false and 0', () => {
    expect(compact({ a: undefined, b: null, c: false, d: 0 })).toStrictEqual({ b: null, c: false, d: 0 });
  });
});
