import { appendQuery, joinPath, parseBaseUrl, path, sameOriginUrl, segmentProblem } from './url';

const base = parseBaseUrl('acme', 'https://api.example.com/v1.0/');

describe('joinPath', () => {
  test('appends the path under the base path', () => {
    expect(joinPath('acme', base, '/users/42').href).toBe('https://api.example.com/v1.0/users/42');
    expect(joinPath('acme', parseBaseUrl('acme', 'https://api.example.com'), '/rest/api/3/myself').href).toBe('https://api.example.com/rest/api/3/myself');
  });

  test.each([
    ['https://evil.example/x', 'absolute URL'],
    ['//evil.example/x', 'protocol-relative'],
    ['users', 'no leading slash'],
    ['/../admin', 'dot segment'],
    ['/users/..', 'trailing dot segment'],
    ['/users/%2e%2e/admin', 'encoded dot segment'],
    ['/users/%2E%2e%2fadmin', 'encoded dots and slash'],
    ['/users/..%5c..', 'encoded backslash'],
    ['/users\\..\\admin', 'backslash'],
    ['/users?admin=1', 'query in path'],
    ['/users#x', 'fragment'],
    ['/users/\n', 'control character'],
    ['/users/%zz', 'malformed escape'],
  ])('refuses %j (%s)', (p) => {
    expect(() => joinPath('acme', base, p)).toThrow(expect.objectContaining({ code: 'connector_invalid_request' }));
  });

  test('keeps encoded characters that do not climb', () => {
    expect(joinPath('acme', base, '/users/a%2Fb').pathname).toBe('/v1.0/users/a%2Fb');
  });
});

test('path`` encodes each value as one segment, so ids cannot add segments', () => {
  expect(path`/issue/${'SEC-1'}/comment`).toBe('/issue/SEC-1/comment');
  expect(path`/users/${'a/../b'}`).toBe('/users/a%2F..%2Fb');
  // and the join refuses what a lenient server would decode into a climb
  expect(() => joinPath('acme', base, path`/users/${'..'}`)).toThrow(expect.objectContaining({ code: 'connector_invalid_request' }));
});

test('a value with a lone UTF-16 surrogate (valid JSON, not text) is refused for good, not a URIError; a paired one is encoded', () => {
  for (const lone of ['a\ud800b', '\udfff', 'x\ud83d']) {
    expect(() => path`/users/${lone}`).toThrow(expect.objectContaining({ code: 'template_refused', status: 422, retryable: false }));
    expect(segmentProblem(lone)).toContain('lone UTF-16 surrogate');
  }
  expect(path`/users/${'\u{1F600}'}`).toBe('/users/%F0%9F%98%80');
  expect([segmentProblem('\u{1F600}'), segmentProblem('a.b'), segmentProblem('a/..'), segmentProblem('.')]).toEqual([undefined, undefined, 'gave a value with a dot segment', 'gave a value with a dot segment']);
});

test('parseBaseUrl refuses credentials, queries and non-http schemes', () => {
  for (const bad of ['ftp://x.example', 'https://u:p@x.example', 'https://x.example/?a=1', 'not a url']) {
    expect(() => parseBaseUrl('acme', bad)).toThrow(expect.objectContaining({ code: 'connector_invalid_request' }));
  }
});

describe('sameOriginUrl', () => {
  test('accepts absolute and relative links on the base origin', () => {
    expect(sameOriginUrl('acme', base, 'https://api.example.com/v1.0/users?after=2').href).toBe('https://api.example.com/v1.0/users?after=2');
    expect(sameOriginUrl('acme', base, '/v1.0/users?after=3', new URL('https://api.example.com/v1.0/users')).href).toBe('https://api.example.com/v1.0/users?after=3');
  });

  test.each(['https://evil.example/v1.0/users', 'http://api.example.com/v1.0/users', 'https://api.example.com:8443/x', 'https://u:p@api.example.com/x'])(
    'refuses %s', (link) => {
      expect(() => sameOriginUrl('acme', base, link)).toThrow(expect.objectContaining({ code: 'connector_link_refused' }));
    },
  );
});

test('appendQuery repeats arrays and skips undefined and null', () => {
  const url = appendQuery(new URL('https://x.example/a'), { a: 1, b: ['x', 'y'], c: undefined, d: null, e: false, $filter: "name eq 'x'" });
  expect(url.search).toBe('?a=1&b=x&b=y&e=false&%24filter=name+eq+%27x%27');
});
