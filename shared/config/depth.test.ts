import { AppError } from '../errors';
import { compileConfig, compileConfigAsync } from './compile';
import { assertConfigDepth } from './depth';

const nested = (levels: number): unknown => {
  let f: unknown = { exact: { type: 'x' } };
  for (let i = 0; i < levels; i++) f = { not: f };
  return f;
};
const config = (levels: number) => ({ routes: [{ name: 'deep', filter: nested(levels), to: ['f'] }], destinations: { f: { type: 'file', path: '/tmp/x.jsonl' } } });

describe('configuration depth', () => {
  test('a document nested thousands of levels deep is invalid_config naming the path, not a stack overflow', async () => {
    for (const compile of [(c: unknown) => compileConfig(c, {}), (c: unknown) => compileConfigAsync(c, {}, () => { throw new Error('unused'); })]) {
      const e = await Promise.resolve().then(() => compile(config(20_000))).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('invalid_config');
      expect((e as AppError).message).toMatch(/^Invalid configuration: routes\[0\]\.filter(\.not)+: nested deeper than 200 levels$/);
    }
  });

  test('a route filter at the filter limit (32 levels of not) still compiles', () => {
    expect(compileConfig(config(31), {}).routes[0]!.name).toBe('deep');
  });

  test('arrays count as levels too; scalars never do', () => {
    let a: unknown = 'leaf';
    for (let i = 0; i < 10; i++) a = [a];
    expect(() => assertConfigDepth(a, 10)).not.toThrow();
    expect(() => assertConfigDepth([a], 10)).toThrow(/\(root\)|\[0\]/);
    expect(() => assertConfigDepth('text', 0)).not.toThrow();
  });
});

describe('__proto__ keys', () => {
  // A YAML or JSON parser keeps `__proto__` as an own key; zod's record schemas drop it silently.
  const parsed = (text: string) => JSON.parse(text) as unknown;

  test('a __proto__ member anywhere is invalid_config naming its path, where zod would drop it unseen', () => {
    const keys = parsed('{"api": {"keys": {"__proto__": {"key": "abcdefghijklmnopqrstuvwxyz012345", "tenant": "t"}}}}');
    expect(() => compileConfig(keys, {})).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('api.keys.__proto__: a key of this name is not allowed') }));
    const top = parsed('{"__proto__": {"sources": {}}}');
    expect(() => compileConfig(top, {})).toThrow(expect.objectContaining({ message: expect.stringContaining('__proto__: a key of this name is not allowed') }));
  });

  test('other keys and values spelled __proto__ are left to the schema', () => {
    expect(() => assertConfigDepth(parsed('{"routes": [{"name": "__proto__"}], "x": ["__proto__"]}'))).not.toThrow();
  });
});
