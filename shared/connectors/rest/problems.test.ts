import { compileConfig } from '../../config/compile';
import { restDestinationSchema } from './config';
import { restDestination } from './destination';
import { restProblems } from './problems';

const AT = 'destinations.hook';
const problemsOf = (extra: object) => restProblems(restDestinationSchema.parse({ type: 'rest', baseUrl: 'https://api.example.com/v1', ...extra }), AT);

test('a sound configuration has no problems', () => {
  expect(problemsOf({
    method: '{{ data.verb || \'POST\' }}', path: '/users/{{ data.user.id }}/notes', query: { q: '{{ subject }}' },
    headers: { 'X-Trace': '{{ id }}', Accept: 'application/json' }, body: { text: '{{ data.message }}' },
    auth: { type: 'api-token', header: 'X-API-Key', token: 't' }, idempotencyKeyHeader: 'Idempotency-Key', expectStatus: [200, 409], on: ['secorch.finding.*'],
  })).toEqual([]);
});

test.each([
  [{ path: '/users/{{ data.user id }}' }, `${AT}.path: "data.user id" is not a field path or 'quoted text'`],
  [{ path: 'users/{{ id }}' }, `${AT}.path: must start with a single /`],
  [{ path: '/users?x={{ id }}' }, `${AT}.path: must not hold ? or # (put parameters under query)`],
  [{ path: '/a/../b' }, `${AT}.path: must not hold dot segments`],
  [{ path: '/a/%2E%2e/b' }, `${AT}.path: must not hold dot segments`],
  [{ query: { q: '{{ a + b }}' } }, `${AT}.query.q: "a + b" is not a field path or 'quoted text'`],
  [{ headers: { Host: 'evil.example' } }, `${AT}.headers.Host: is set by the HTTP client (framing or hop-by-hop header, RFC 9110 section 7.6.1)`],
  [{ headers: { 'Content-Length': '1' } }, `${AT}.headers.Content-Length: is set by the HTTP client (framing or hop-by-hop header, RFC 9110 section 7.6.1)`],
  [{ headers: { 'transfer-encoding': 'chunked' } }, `${AT}.headers.transfer-encoding: is set by the HTTP client (framing or hop-by-hop header, RFC 9110 section 7.6.1)`],
  [{ headers: { Connection: 'close' } }, `${AT}.headers.Connection: is set by the HTTP client (framing or hop-by-hop header, RFC 9110 section 7.6.1)`],
  [{ headers: { Authorization: 'Bearer x' } }, `${AT}.headers.Authorization: carries credentials: configure them under auth, which keeps them out of errors and logs`],
  [{ headers: { 'Content-Type': 'text/plain' } }, `${AT}.headers.Content-Type: follows the body: set contentType instead`],
  [{ headers: { 'X-Key': 'a' }, auth: { type: 'api-token', header: 'x-key', token: 't' } }, `${AT}.headers.X-Key: is set by auth`],
  [{ headers: { 'Bad Name': 'a' } }, `${AT}.headers.Bad Name: is not a valid header name`],
  [{ headers: { 'X-A': 'a', 'x-a': 'b' } }, `${AT}.headers.x-a: is given twice (header names ignore case)`],
  [{ headers: { 'X-A': '{{ }}' } }, `${AT}.headers.X-A: "" is not a field path or 'quoted text'`],
  [{ body: { a: ['{{ ok }}', '{{ not ok }}'] } }, `${AT}.body.a[1]: "not ok" is not a field path or 'quoted text'`],
  [{ body: 'text {{ id }}' }, `${AT}.contentType: is required with a text body`],
  [{ body: 'x', contentType: 'text plain' }, `${AT}.contentType: is not a media type such as text/plain`],
  [{ method: 'FETCH' }, `${AT}.method: must be one of GET, POST, PUT, PATCH, DELETE`],
  [{ method: 'get', body: { a: 1 } }, `${AT}.body: a GET request has no body`],
  [{ idempotencyKeyHeader: 'Idempotency-Key', idempotent: false }, `${AT}.idempotent: cannot be false with idempotencyKeyHeader (the key makes repeats safe)`],
  [{ idempotencyKeyHeader: 'Host' }, `${AT}.idempotencyKeyHeader: is set by the HTTP client (framing or hop-by-hop header, RFC 9110 section 7.6.1)`],
  [{ idempotencyKeyHeader: 'X-Id', headers: { 'x-id': '{{ id }}' } }, `${AT}.idempotencyKeyHeader: is also under headers`],
  [{ on: ['secorch.*.created'] }, `${AT}.on[0]: * may only end a type`],
  [{ baseUrl: 'https://u:p@api.example.com' }, `${AT}.baseUrl: must not carry credentials (configure them under auth)`],
  [{ baseUrl: 'https://api.example.com/?k=1' }, `${AT}.baseUrl: must not have a query or fragment`],
  [{ auth: { type: 'basic', username: 'a:b', password: 'p' } }, `${AT}.auth.username: must not contain ":"`],
  [{ auth: { type: 'api-token', header: 'Transfer-Encoding', token: 't' } }, `${AT}.auth.header: is set by the HTTP client (framing or hop-by-hop header, RFC 9110 section 7.6.1)`],
])('%j: %s', (extra, problem) => {
  expect(problemsOf(extra)).toEqual([problem]);
});

test('the schema refuses unknown keys and bad shapes; the factory refuses what problems() finds', () => {
  expect(restDestinationSchema.safeParse({ type: 'rest', baseUrl: 'https://a.example', url: 'x' }).success).toBe(false);
  expect(restDestinationSchema.safeParse({ type: 'rest', baseUrl: 'https://a.example', expectStatus: [503] }).success).toBe(false);
  expect(restDestinationSchema.safeParse({ type: 'rest', baseUrl: 'ftp://a.example' }).success).toBe(false);
  const bad = restDestinationSchema.parse({ type: 'rest', baseUrl: 'https://a.example', headers: { Host: 'b.example' } });
  expect(() => restDestination('hook', bad)).toThrow(expect.objectContaining({ code: 'invalid_config', extra: { path: `${AT}.headers.Host` } }));
});

test('a header or query parameter named __proto__ is a configuration error naming its path, not dropped unseen', () => {
  // YAML and JSON keep `__proto__` as an own key; zod's record schemas drop it without a word, so
  // the configuration refuses it before the schema (shared/config/depth.ts).
  for (const part of ['headers', 'query']) {
    const raw = JSON.parse(`{"destinations":{"hook":{"type":"rest","baseUrl":"https://api.example.com/v1","${part}":{"__proto__":"{{ id }}"}}}}`);
    expect(() => compileConfig(raw, {})).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining(`destinations.hook.${part}.__proto__: a key of this name is not allowed`) }));
  }
});
