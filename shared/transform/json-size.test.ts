import fc from 'fast-check';
import { jsonLengthWithin } from './json-size';

const stringified = (v: unknown): number => JSON.stringify(v)?.length ?? 0;

describe('jsonLengthWithin', () => {
  test('equals JSON.stringify(value).length for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonLengthWithin(v, Number.MAX_SAFE_INTEGER)).toBe(stringified(v));
      }),
    );
  });

  test('reports undefined exactly when the length exceeds the limit', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(200), (v, limit) => {
        const n = stringified(v);
        expect(jsonLengthWithin(v, limit)).toBe(n > limit ? undefined : n);
      }),
    );
  });

  test('follows JSON.stringify on the values JSON has no form for', () => {
    const fn = () => 1;
    const cases: unknown[] = [
      undefined,
      fn,
      [undefined, fn, Symbol('s'), NaN, -0, Infinity, 1e21, 5e-7],
      { a: undefined, b: fn, c: null, 'quote"d': '\u0000\ud800😀', d: new Date(0), e: { toJSON: () => undefined } },
      Object.assign(Object.create({ inherited: 1 }), { own: 2 }),
      Object.assign([1, 2], { sequence: true }), // jsonata sequences carry extra properties
    ];
    for (const v of cases) expect(jsonLengthWithin(v, 1e6)).toBe(stringified(v));
  });

  test('stops early on structures that serialise to an exponential size', () => {
    let shared: unknown = 1;
    for (let i = 0; i < 60; i++) shared = { l: shared, r: shared };
    expect(jsonLengthWithin(shared, 100_000)).toBeUndefined();
    expect(jsonLengthWithin('x'.repeat(1e7), 100)).toBeUndefined();
    expect(jsonLengthWithin(new Array(1e7).fill(0), 100)).toBeUndefined();
  });
});
