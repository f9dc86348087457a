import { linkWithRel, parseLinkHeader } from './link-header';

/**
 * Parameter names are the vendor's: `constructor`, `toString` or `__proto__` are parameters like
 * any other, not taken for ones already seen (an `in` test found Object.prototype's members and
 * dropped them), and a consumer reading params by name finds only what the header holds.
 */
test('parameters named like Object members are kept as given', () => {
  const [link] = parseLinkHeader('<https://api.example.com/p2>; constructor=x; __proto__="y"; toString=z; rel=next');
  expect(Object.entries(link!.params)).toEqual([['constructor', 'x'], ['__proto__', 'y'], ['tostring', 'z'], ['rel', 'next']]);
  expect(link!.params.constructor).toBe('x');
  expect(link!.params.valueOf).toBeUndefined();
});

test('a link whose first parameter is named like an Object member keeps its first value only', () => {
  const [link] = parseLinkHeader('<a>; constructor=first; constructor=second; rel=next');
  expect(link!.params.constructor).toBe('first');
  expect(linkWithRel('<a>; __proto__=x; rel=next', 'next')).toBe('a');
});
