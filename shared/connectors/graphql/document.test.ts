import { graphqlDestinationSchema } from './config';
import { graphqlDestination } from './destination';
import { operationOf } from './document';
import { graphqlProblems } from './problems';

test.each([
  ['query Q { a }', undefined, { kind: 'query' }],
  ['  { a }', undefined, { kind: 'query' }],
  ['\ufeff# a comment, with query in it\n, mutation M($x: ID) { b(x: $x) }', undefined, { kind: 'mutation' }],
  ['mutation{b}', undefined, { kind: 'mutation' }],
  ['query A { a } mutation B { b }', 'B', { kind: 'mutation' }],
  ['query A { a } mutation B { b }', 'A', { kind: 'query' }],
  ['fragment F on User { id } query Q { me { ...F } }', 'Q', { kind: 'query' }],
])('%j (operationName %s) is a %j', (doc, name, expected) => {
  expect(operationOf(doc, name)).toEqual(expected);
});

const AT = 'destinations.gql';
const problemsOf = (extra: object) => graphqlProblems(graphqlDestinationSchema.parse({ type: 'graphql', endpoint: 'https://api.example.com/graphql', query: 'query Q { a }', ...extra }), AT);

test.each([
  [{ query: 'subscription S { a }' }, `${AT}.query: is a subscription, which a single POST cannot carry`],
  [{ query: 'fragment F on U { id } query Q { ...F }' }, `${AT}.query: starts with a fragment; put the operation first, or set operationName`],
  [{ query: 'SELECT 1' }, `${AT}.query: must start with query, mutation or {`],
  [{ operationName: 'Other' }, `${AT}.operationName: names no operation of the query (expected "query Other" or "mutation Other")`],
  [{ query: 'query Qx { a }', operationName: 'Q' }, `${AT}.operationName: names no operation of the query (expected "query Q" or "mutation Q")`],
  [{ operationName: 'a-b' }, `${AT}.operationName: is not a GraphQL name`],
  [{ variables: { id: '{{ data.user.id }}', bad: ['{{ 1+1 }}'] } }, `${AT}.variables.bad[0]: "1+1" is not a field path or 'quoted text'`],
  [{ headers: { 'Proxy-Authorization': 'x' } }, `${AT}.headers.Proxy-Authorization: carries credentials: configure them under auth, which keeps them out of errors and logs`],
  [{ endpoint: 'https://api.example.com/graphql#x' }, `${AT}.endpoint: must not have a query or fragment`],
])('%j: %s', (extra, problem) => {
  expect(problemsOf(extra)).toEqual([problem]);
});

test('a sound configuration has no problems; the factory refuses a bad one', () => {
  expect(problemsOf({ operationName: 'Q', variables: { id: '{{ subject }}' }, partial: 'accept', auth: { type: 'bearer', token: 't' } })).toEqual([]);
  const bad = graphqlDestinationSchema.parse({ type: 'graphql', endpoint: 'https://api.example.com/graphql', query: 'subscription S { a }' });
  expect(() => graphqlDestination('gql', bad)).toThrow(expect.objectContaining({ code: 'invalid_config', extra: { path: `${AT}.query` } }));
  expect(graphqlDestinationSchema.safeParse({ type: 'graphql', endpoint: 'https://a.example/graphql', query: 'query { a }', partial: 'maybe' }).success).toBe(false);
});
