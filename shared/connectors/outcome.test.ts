import { AppError } from '../errors';
import { ConnectorError, type ConnectorErrorCode, type ConnectorErrorFacts } from './errors';
import { finalWhenUnsure, mayHaveActed } from './outcome';

/** Which failures of a call not safe to repeat become final; end to end in rest/outcome.test.ts and graphql/graphql.test.ts. */
const err = (code: ConnectorErrorCode, facts: Partial<ConnectorErrorFacts> = {}) =>
  new ConnectorError(code, 'x', { connector: 'cases', method: 'POST', path: '/cases', ...facts });

test.each([
  ['a 5xx answer', true, err('connector_unavailable', { vendorStatus: 500 })],
  ['a timeout of a write', true, err('connector_timeout', { outcomeUnknown: true })],
  ['a connection lost after sending', true, err('connector_unreachable', { reason: 'ECONNRESET', outcomeUnknown: true })],
  ['a refused connection', false, err('connector_unreachable', { reason: 'ECONNREFUSED' })],
  ['a 408 (not processed)', false, err('connector_unavailable', { vendorStatus: 408 })],
  ['a 425 (not processed)', false, err('connector_unavailable', { vendorStatus: 425 })],
  ['a 429', false, err('connector_rate_limited', { vendorStatus: 429 })],
  ['an open circuit', false, err('connector_circuit_open')],
  ['the token endpoint failing', false, err('connector_unavailable', { vendorStatus: 502, grant: 'client_credentials' })],
  ['the token endpoint timing out', false, err('connector_timeout', { outcomeUnknown: true, grant: 'client_credentials' })],
])('%s: may have acted is %s', (_, acted, e) => {
  expect(mayHaveActed(e)).toBe(acted);
  const out = finalWhenUnsure(e, false, 'set idempotent');
  expect(out).toMatchObject(acted ? { code: 'connector_outcome_unknown', retryable: false, extra: { failure: e.code, outcomeUnknown: true } } : { code: e.code });
  expect(finalWhenUnsure(e, true, 'set idempotent')).toBe(e);
});

test('a final error, or one that is not a connector error, passes unchanged; Retry-After is dropped from the final one', () => {
  const refused = err('connector_rejected', { vendorStatus: 400 });
  const other = new AppError('template_refused', 'x', { status: 422, retryable: false });
  expect(finalWhenUnsure(refused, false, 'fix')).toBe(refused);
  expect(finalWhenUnsure(other, false, 'fix')).toBe(other);
  const unsure = finalWhenUnsure(err('connector_unavailable', { vendorStatus: 503, retryAfterMs: 5000 }), false, 'fix') as ConnectorError;
  expect([unsure.retryAfterMs, unsure.headers, unsure.extra]).toEqual([undefined, {}, expect.not.objectContaining({ retryAfterMs: expect.anything() })]);
  expect(unsure.message).toBe('cases: POST /cases may have been applied (the vendor answered HTTP 503, which does not say whether it acted); not retried, since it is not idempotent and a repeat could act twice: check cases for its effect before replaying the event (fix)');
});
