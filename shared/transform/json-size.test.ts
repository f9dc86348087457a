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

  test('equals JSON.stringify(value, null, indent).length, the layout of an indent counted too', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 12 }), (v, indent) => {
        expect(jsonLengthWithin(v, Number.MAX_SAFE_INTEGER, { indent })).toBe(JSON.stringify(v, null, indent)?.length ?? 0);
      }),
    );
    const layout = { a: [1, {}, [], { b: undefined }], c: { d: [null] }, e: () => 1 };
    expect(jsonLengthWithin(layout, 1e6, { indent: 2 })).toBe(JSON.stringify(layout, null, 2).length);
  });

  test('follows a replacer: what it drops is dropped, what it writes is measured', () => {
    const fn = () => 1;
    const dropFns = (v: unknown) => (typeof v === 'function' ? undefined : v);
    const fnsAsEmpty = (v: unknown) => (typeof v === 'function' ? '' : v);
    const v = { f: fn, list: [fn, 1], [`k${'x'.repeat(50)}`]: fn };
    expect(jsonLengthWithin(v, 1e6, { replace: dropFns })).toBe(JSON.stringify(v, (_k, x: unknown) => dropFns(x)).length);
    expect(jsonLengthWithin(v, 1e6, { replace: fnsAsEmpty, indent: 2 })).toBe(JSON.stringify(v, (_k, x: unknown) => fnsAsEmpty(x), 2).length);
    expect(jsonLengthWithin(fn, 1e6, { replace: fnsAsEmpty })).toBe(2);
  });

  test('stops early on structures that serialise to an exponential size', () => {
    let shared: unknown = 1;
    for (let i = 0; i < 60; i++) shared = { l: shared, r: shared };
    expect(jsonLengthWithin(shared, 100_000)).toBeUndefined();
    expect(jsonLengthWithin('x'.repeat(1e7), 100)).toBeUndefined();
    expect(jsonLengthWithin(new Array(1e7).fill(0), 100)).toBeUndefined();
    // Indentation of a long array deep down is counted before its items are walked.
    let deep: unknown = new Array(1e6).fill(0);
    for (let i = 0; i < 100; i++) deep = { a: deep };
    expect(jsonLengthWithin(deep, 10_000_000)).toBeDefined();
    expect(jsonLengthWithin(deep, 10_000_000, { indent: 2 })).toBeUndefined();
  });

  test('maxDepth counts levels of arrays and objects: deeper is undefined and says so, however deep the stack could go', () => {
    const nest = (n: number, wrap: (v: unknown) => unknown): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = wrap(v);
      return v;
    };
    for (const wrap of [(v: unknown) => [v], (v: unknown) => ({ a: v })]) {
      let deep = 0;
      const onTooDeep = () => deep++;
      expect(jsonLengthWithin(nest(3, wrap), 1e6, { maxDepth: 3, onTooDeep })).toBe(stringified(nest(3, wrap)));
      expect(jsonLengthWithin(nest(4, wrap), 1e6, { maxDepth: 3, onTooDeep })).toBeUndefined();
      expect(deep).toBe(1);
      // Far past any stack: the walk stops at the limit instead of overflowing.
      expect(jsonLengthWithin(nest(100_000, wrap), 1e9, { maxDepth: 1000, onTooDeep })).toBeUndefined();
      expect(deep).toBe(2);
      // Too long is not too deep.
      expect(jsonLengthWithin(nest(3, wrap), 5, { maxDepth: 3, onTooDeep })).toBeUndefined();
      expect(deep).toBe(2);
    }
  });
});
