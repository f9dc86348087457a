import { linkWithRel, parseLinkHeader } from './link-header';

test('RFC 8288 examples: several links, quoted and token parameters', () => {
  expect(parseLinkHeader('<http://example.com/TheBook/chapter2>; rel="previous"; title="previous chapter"')).toEqual([
    { target: 'http://example.com/TheBook/chapter2', params: { rel: 'previous', title: 'previous chapter' } },
  ]);
  const two = '</TheBook/chapter2>; rel="previous"; title*=UTF-8\'de\'letztes%20Kapitel, </TheBook/chapter4>; rel="next"; title*=UTF-8\'de\'n%c3%a4chstes%20Kapitel';
  expect(parseLinkHeader(two).map((l) => [l.target, l.params.rel])).toEqual([['/TheBook/chapter2', 'previous'], ['/TheBook/chapter4', 'next']]);
});

test('quoted values may hold commas and semicolons; later duplicates are ignored', () => {
  expect(parseLinkHeader('<a>; title="x, y; z"; rel=next; rel=prev, <b>; rel="prev"')).toEqual([
    { target: 'a', params: { title: 'x, y; z', rel: 'next' } },
    { target: 'b', params: { rel: 'prev' } },
  ]);
});

test('linkWithRel: case-insensitive, one of several space-separated relation types', () => {
  const okta = '<https://x.okta.com/api/v1/users?limit=2>; rel="self", <https://x.okta.com/api/v1/users?after=00u2&limit=2>; rel="next"';
  expect(linkWithRel(okta, 'next')).toBe('https://x.okta.com/api/v1/users?after=00u2&limit=2');
  expect(linkWithRel('<p2>; rel="Next last"', 'next')).toBe('p2');
  expect(linkWithRel('<p2>; rel="nextpage"', 'next')).toBeUndefined();
  expect(linkWithRel(null, 'next')).toBeUndefined();
  expect(linkWithRel('garbage, <ok>; rel=next', 'next')).toBe('ok');
});
