import { jsonArrayElementSizes } from './json-array-spans';

const sizes = (text: string) => jsonArrayElementSizes(new TextEncoder().encode(text));
/** What each element is as sent: its text between the commas, trimmed (for these inputs). */
const expected = (elements: string[]) => elements.map((e) => new TextEncoder().encode(e).byteLength);

test('each element of an array is measured as sent, in bytes of UTF-8', () => {
  const elements = ['{"id":"a","data":[1e20,1E+20,-0.5e-3]}', '"x,y]}{\\"\\\\"', '[[],{}]', 'true', 'null', '-12.5e3', '{"é":"€ 😀"}', '{}'];
  expect(sizes(`[${elements.join(',')}]`)).toEqual(expected(elements));
  expect(sizes(` \n[ ${elements.join(' ,\n\t ')} ]\r\n`)).toEqual(expected(elements));
  expect(sizes(`\uFEFF[${elements.join(',')}]`)).toEqual(expected(elements));
});

test('an empty array has no elements; one element has its own size', () => {
  expect(sizes('[]')).toEqual([]);
  expect(sizes(' [ ] ')).toEqual([]);
  expect(sizes('[{"a":"]"}]')).toEqual([9]);
});

test('for random JSON values the sizes are those of the elements serialised with random spacing', () => {
  const values: unknown[] = [0, -1.5, 'a"b\\c', '日本', { k: [1, { z: null }], s: '}' }, [], [[]], true, false, null, { '': '' }];
  for (let n = 0; n < 200; n++) {
    const pick = Array.from({ length: 1 + (n % 7) }, (_, i) => values[(n * 7 + i * 3) % values.length]);
    const texts = pick.map((v, i) => JSON.stringify(v, null, i % 2 === 0 ? undefined : 2));
    expect(sizes(`[${texts.join(n % 2 ? ',' : ' , ')}]`)).toEqual(expected(texts));
  }
});
