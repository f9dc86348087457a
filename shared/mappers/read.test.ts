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
