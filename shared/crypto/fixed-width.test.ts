import crypto from 'node:crypto';
import { any, fixedWidthSecrets } from './fixed-width';

const bits = (values: string[], given: string) => [...fixedWidthSecrets(values).compare(given)];

describe('fixedWidthSecrets', () => {
  const A = 'sk_live_4f9c2b7e1d3a5f60';
  const B = 'a-much-longer-configured-key-0123456789';

  it('marks exactly the configured values equal to the presented one', () => {
    expect(bits([A, B], A)).toEqual([1, 0]);
    expect(bits([A, B], B)).toEqual([0, 1]);
    expect(bits([A, A], A)).toEqual([1, 1]);
    expect(bits([A, B], 'other')).toEqual([0, 0]);
  });

  it.each([
    ['a prefix', A.slice(0, -1)],
    ['the value and one character more', `${A}x`],
    ['the value and a NUL byte (as the padding is)', `${A}\0`],
    ['the value and four NUL bytes', `${A}\0\0\0\0`],
    ['a NUL byte in place of the last character', `${A.slice(0, -1)}\0`],
    ['an empty string', ''],
    ['a value far longer than the width', A.repeat(50)],
  ])('refuses %s', (_, given) => {
    expect(bits([A], given)).toEqual([0]);
  });

  it('is not fooled when a multi-byte character is cut at the width', () => {
    // The width is the configured value's 24 bytes: the written part of a longer value can be
    // exactly the configured value, and only the presented length tells them apart.
    for (const pad of ['', 'x', 'xx', 'xxx']) {
      expect(bits([A], `${A}${pad}\u{1F600}`)).toEqual([0]);
      expect(bits([`${A}${pad}`], `${A}${pad}\u{1F600}`)).toEqual([0]);
    }
    expect(bits(['ключ-для-вебхуков-42'], 'ключ-для-вебхуков-42')).toEqual([1]);
    expect(bits(['ключ-для-вебхуков-42'], 'ключ-для-вебхуков-4')).toEqual([0]);
  });

  it('forgets the previous value: a shorter value after a longer one is compared alone', () => {
    const s = fixedWidthSecrets([A, B]);
    expect([...s.compare(B)]).toEqual([0, 1]);
    expect([...s.compare(A)]).toEqual([1, 0]);
    expect([...s.compare(A.slice(0, 10))]).toEqual([0, 0]);
  });

  it('compares every configured value over the same width, for any presented length', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    const s = fixedWidthSecrets([A, B]);
    for (const given of ['', 'x', A, B, B.repeat(20)]) s.compare(given);
    expect(spy).toHaveBeenCalledTimes(10);
    for (const [x, y] of spy.mock.calls) expect([(x as Buffer).byteLength, (y as Buffer).byteLength]).toEqual([B.length, B.length]);
    spy.mockRestore();
  });

  it('matchesAny is compare\'s bits OR-ed, over every configured value at the same width, whatever came before', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    const s = fixedWidthSecrets([A, B]);
    const givens = [B, A, A.slice(0, 10), '', `${A}\0`, `${A}x`, B.repeat(20), `${A.slice(0, -1)}\u{1F600}`, 'ключ', A];
    const got = givens.map((g) => s.matchesAny(g));
    expect(got).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(spy).toHaveBeenCalledTimes(2 * givens.length);
    for (const [x, y] of spy.mock.calls) expect([(x as Buffer).byteLength, (y as Buffer).byteLength]).toEqual([B.length, B.length]);
    spy.mockRestore();
    expect(givens.map((g) => any(s.compare(g)))).toEqual(got);
  });

  it('any() is 1 when one bit is set', () => {
    expect(any(new Uint8Array([0, 0, 1]))).toBe(1);
    expect(any(new Uint8Array([0, 0]))).toBe(0);
    expect(any(new Uint8Array(0))).toBe(0);
  });
});
