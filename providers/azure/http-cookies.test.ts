import { parseSetCookie, splitCookies } from './http-cookies';

describe('parseSetCookie (RFC 6265 section 5.2)', () => {
  test('name, value and every attribute the Cookie type has, names in any case', () => {
    expect(parseSetCookie(' sid = a b ; DOMAIN=.example.com; path=/app; EXPIRES=Sun, 06 Nov 2033 08:49:37 GMT; max-age=-1; SECURE; httpOnly; SameSite=NONE')).toEqual({
      name: 'sid', value: 'a b', domain: '.example.com', path: '/app', expires: new Date('2033-11-06T08:49:37Z'), maxAge: -1, secure: true, httpOnly: true, sameSite: 'None',
    });
  });

  test('the value runs to the first ";" and may hold "="', () => {
    expect(parseSetCookie('t=YWJj==;Path=/')).toEqual({ name: 't', value: 'YWJj==', path: '/' });
  });

  test('attribute values a user agent ignores are left out', () => {
    expect(parseSetCookie('a=1; Max-Age=soon; Expires=never; Path=relative; Domain=; SameSite=constructor; SameSite=; Priority=High; Partitioned')).toEqual({ name: 'a', value: '1' });
  });

  test('a string without "=" or with an empty name is ignored, as user agents ignore it', () => {
    expect(parseSetCookie('lonely')).toBeUndefined();
    expect(parseSetCookie(' =1; Path=/')).toBeUndefined();
  });
});

test('splitCookies takes Set-Cookie out of the headers and keeps the rest', () => {
  const headers = new Headers([['set-cookie', 'a=1'], ['x-id', 'r-1'], ['set-cookie', 'nameless'], ['set-cookie', 'b=2']]);
  const { headers: rest, cookies } = splitCookies(headers);
  expect([...rest]).toEqual([['x-id', 'r-1']]);
  expect(cookies).toEqual([{ name: 'a', value: '1' }, { name: 'b', value: '2' }]);
  expect(headers.getSetCookie()).toHaveLength(3);
});
