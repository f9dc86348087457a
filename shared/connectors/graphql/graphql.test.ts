import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { eachRestTest, userEvent } from '../rest/rest.testkit';
import { surface } from '../slack/events.testkit';
import type { Harness } from '../transport.testkit';
import { graphqlDestinationSchema } from './config';
import { graphqlDestination } from './destination';

/**
 * Against a local GraphQL endpoint answering as the spec describes
 * (https://spec.graphql.org/October2021/#sec-Response-Format): `{data}`, `{errors}` with no
 * data, `{data, errors}` for partial results, and HTTP errors from the server in front of it.
 */
let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachRestTest((kit) => ({ vendor, h, deps } = kit));

const TOKEN = 'ghp_0123456789abcdefghij';
const MUTATION = 'mutation Flag($id: ID!, $level: String) { flagUser(id: $id, level: $level) { id } }';
const QUERY = '# look the user up\nquery Who($id: ID!) { user(id: $id) { id } }';
const destination = (extra: object = {}) =>
  graphqlDestination('gql', graphqlDestinationSchema.parse({
    type: 'graphql', endpoint: `${vendor.url}/graphql`, query: MUTATION, variables: { id: '{{ data.user.id }}', level: '{{ data.severity }}', n: '{{ data.count }}' },
    auth: { type: 'bearer', token: TOKEN }, ...extra,
  }), { sleep: h.sleep, random: () => 0.5 });
const posts = () => vendor.requestsTo('POST /graphql');
const failure = (extra: object = {}) => destination(extra)(userEvent(), deps).catch((x: unknown) => x);

test('POSTs {query, variables, operationName} as JSON with the bearer token', async () => {
  vendor.on('POST /graphql', reply.json({ data: { flagUser: { id: '00u42' } } }));
  await destination({ operationName: 'Flag' })(userEvent(), deps);
  const req = posts()[0]!;
  expect(req.headers['content-type']).toBe('application/json');
  expect(req.headers.accept).toBe('application/graphql-response+json, application/json;q=0.9');
  expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(req.json()).toEqual({ query: MUTATION, variables: { id: '00u42', level: 'High', n: 3 }, operationName: 'Flag' });
  expect(h.logs.find((l) => l.msg === 'graphql operation sent')?.fields).toMatchObject({ destination: 'gql', operation: 'mutation', operationName: 'Flag' });
});

test('errors and no data: rejected, quoting the first messages truncated and scrubbed', async () => {
  const errors = [{ message: `token ${TOKEN} may not flag` }, { message: 'x'.repeat(500) }, { message: 'third' }, { message: 'fourth' }, { message: 'fifth' }];
  vendor.on('POST /graphql', reply.json({ errors, data: null }));
  const e = await failure();
  expect(e).toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: 200, partial: false } });
  const message = (e as Error).message;
  expect(message).toMatch(/^gql: the GraphQL mutation returned errors and no data: token \[redacted\] may not flag; x{200}\.\.\.\[300 more characters\]; third; and 2 more; fix the query/);
  expect(surface(e)).not.toContain(TOKEN);
  expect(posts()).toHaveLength(1);
});

test('partial data fails by default, with the error paths logged; partial: accept delivers', async () => {
  const answer = { data: { flagUser: { id: '00u42', audit: null } }, errors: [{ message: 'audit unavailable', path: ['flagUser', 'audit'] }] };
  vendor.on('POST /graphql', reply.json(answer));
  const e = await failure();
  expect(e).toMatchObject({ code: 'connector_rejected', extra: { partial: true, errorPaths: ['flagUser.audit'] } });
  expect((e as Error).message).toContain('returned errors with partial data: audit unavailable');
  await destination({ partial: 'accept' })(userEvent(), deps);
  expect(h.logs.filter((l) => l.msg === 'graphql partial data').map((l) => [l.fields.accepted, l.fields.errorPaths])).toEqual([[false, ['flagUser.audit']], [true, ['flagUser.audit']]]);
  expect(h.logs.filter((l) => l.msg === 'graphql operation sent')).toHaveLength(1);
});

test.each([
  [{ extensions: { code: 'UNAUTHENTICATED' } }, 'connector_auth_failed', false],
  [{ extensions: { code: 'FORBIDDEN' } }, 'connector_forbidden', false],
  [{ type: 'NOT_FOUND' }, 'connector_not_found', false],
  [{ extensions: { code: 'THROTTLED' } }, 'connector_rate_limited', true],
  [{ extensions: { code: 'BAD_USER_INPUT' } }, 'connector_rejected', false],
])('error class %j in a 200 answer is %s', async (cls, code, retryable) => {
  vendor.on('POST /graphql', reply.json({ errors: [{ message: 'no' }, { message: 'nope', ...cls }] }));
  expect(await failure()).toMatchObject({ code, retryable });
});

test('HTTP errors go through the framework: 401 final, 400 quotes the GraphQL errors, 429 waited out', async () => {
  vendor.queue('POST /graphql', reply.unauthorized());
  expect(await failure()).toMatchObject({ code: 'connector_auth_failed', extra: { vendorStatus: 401 } });
  vendor.queue('POST /graphql', reply.json({ errors: [{ message: 'Cannot query field "flagUser" on type "Mutation".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, 400));
  const e = await failure();
  expect(e).toMatchObject({ code: 'connector_rejected', extra: { vendorStatus: 400 } });
  expect((e as Error).message).toContain('returned errors and no data: Cannot query field "flagUser" on type "Mutation".');
  vendor.queue('POST /graphql', reply.tooManyRequests('3'));
  vendor.on('POST /graphql', reply.json({ data: { flagUser: { id: '00u42' } } }));
  await destination()(userEvent(), deps);
  expect(h.waits).toEqual([3000]);
  expect(posts()).toHaveLength(4);
});

test('a mutation is not resent after a 5xx, nor left for the queue to resend, unless marked idempotent; a query is', async () => {
  vendor.on('POST /graphql', reply.json({ data: { ok: true } }));
  vendor.queue('POST /graphql', reply.serverError(502));
  const e = await failure({ operationName: 'Flag' });
  expect(e).toMatchObject({ code: 'connector_outcome_unknown', retryable: false, extra: { vendorStatus: 502, outcomeUnknown: true, failure: 'connector_unavailable' } });
  expect((e as Error).message).toContain('gql: the GraphQL mutation Flag may have been applied (the vendor answered HTTP 502');
  expect(posts()).toHaveLength(1);
  vendor.queue('POST /graphql', reply.serverError(502));
  await destination({ idempotent: true })(userEvent(), deps);
  expect(posts()).toHaveLength(3);
  vendor.queue('POST /graphql', reply.serverError(503));
  await destination({ query: QUERY, variables: { id: '{{ data.user.id }}' } })(userEvent(), deps);
  expect(posts()).toHaveLength(5);
});

test('a mutation that timed out is final; a query that timed out stays retryable', async () => {
  const deadlines: AbortController[] = [];
  const timeoutSignal = () => {
    const c = new AbortController();
    deadlines.push(c);
    return c.signal;
  };
  const expire = () => {
    deadlines.at(-1)!.abort(new DOMException('timed out', 'TimeoutError'));
    return reply.hang();
  };
  const timed = (extra: object = {}) => graphqlDestination('gql', graphqlDestinationSchema.parse({
    type: 'graphql', endpoint: `${vendor.url}/graphql`, query: MUTATION, variables: { id: '{{ data.user.id }}' }, ...extra,
  }), { sleep: h.sleep, random: () => 0.5, timeoutSignal, retry: { maxAttempts: 2 } })(userEvent(), deps).catch((x: unknown) => x);
  vendor.on('POST /graphql', expire);
  expect(await timed()).toMatchObject({ code: 'connector_outcome_unknown', retryable: false, extra: { failure: 'connector_timeout' } });
  expect(posts()).toHaveLength(1);
  expect(await timed({ query: QUERY })).toMatchObject({ code: 'connector_timeout', retryable: true });
  expect(posts()).toHaveLength(3);
});

// https://spec.graphql.org/October2021/#sec-Response-Format: `errors`, when present, is a non-empty
// list, and an answer without data lists the errors that prevented it.
test.each([
  [{ data: null }],
  [{ errors: [] }],
  [{ data: null, errors: [] }],
  [{ data: null, errors: null }],
])('%j (no data and no error) is a bad response, final for a mutation and a query alike', async (answer) => {
  vendor.on('POST /graphql', reply.json(answer));
  const e = await failure();
  expect(e).toMatchObject({ code: 'connector_bad_response', retryable: false, extra: { vendorStatus: 200 } });
  expect((e as Error).message).toContain('gql: the answer to the GraphQL mutation has no data and lists no errors');
  expect(await failure({ query: QUERY, variables: { id: '{{ data.user.id }}' } })).toMatchObject({ code: 'connector_bad_response', retryable: false });
});

test('an answer that is not a GraphQL response is a bad response; types outside `on` send nothing', async () => {
  vendor.on('POST /graphql', reply.json({ hello: 'proxy' }));
  expect(await failure()).toMatchObject({ code: 'connector_bad_response' });
  await destination({ on: ['secorch.finding.created'] })(userEvent(), deps);
  expect(posts()).toHaveLength(1);
});
