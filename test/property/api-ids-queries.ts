import fc from 'fast-check';
import { keys } from '../../shared/delivery/keys';
import { NOW, SEEDED, SEEDED_IDS, TENANTS } from './api-world';

/**
 * Path ids and list queries for requests to the REST API (property test ./api.property.test.ts):
 * seeded ids of both tenants, hostile ids, cursors of seeded and foreign keys, and query
 * parameters valid and not.
 */

export const iso = fc.oneof(
  fc.integer({ min: -3 * 86_400_000, max: 86_400_000 }).map((d) => new Date(NOW + d).toISOString()),
  fc.constantFrom('2025-12-31', '2026-01-01T00:00:00+01:00', '2026-01-01T00:00Z', '1', 'March 7', '2026-13-01T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2026-01-01T00:00:00.1234567891Z', ''),
);

export type Kind = 'sub' | 'dlv' | 'dlq';
const HOSTILE_IDS = [
  '..', '.', '%2e%2e', '__proto__', 'constructor', 'sub_', 'x:y', 'x%3Ay', 'acme:sub_1', '%00', '%ff', '%', '%E2%82', 'a'.repeat(129), 'A'.repeat(128),
  '%F0%9F%98%80', 'sub_%2F..', 'null', 'undefined', '*', 'sub_*', '%20', 'msg_..', 'dlq_\u00e9',
];
export const anyId = (kind: Kind) => fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SEEDED.acme[kind], ...SEEDED.globex[kind]) },
  fc.constantFrom(...TENANTS.flatMap(SEEDED_IDS)),
  fc.constantFrom(...HOSTILE_IDS),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/),
);
export const cursorFor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
const cursor = fc.oneof(
  fc.constantFrom(...TENANTS.flatMap((t) => [
    ...SEEDED[t].sub.map((id) => cursorFor(keys.subscription(t, id))),
    ...SEEDED[t].dlv.map((id) => cursorFor(keys.delivery(t, id))),
    ...SEEDED[t].dlq.map((id) => cursorFor(keys.deadLetter(t, id))),
    cursorFor(keys.subscriptions(t)), cursorFor(`${keys.subscriptions(t)}\uffff`), cursorFor(`${keys.deliveries(t)}~`),
  ])),
  fc.constantFrom(cursorFor('sub:'), cursorFor('due:'), cursorFor('brk:acme:x'), 'A'.repeat(800), '%%', '====', '', 'c3ViOmFjbWU6'),
  fc.string({ maxLength: 20 }),
);
const queryParam: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('limit'), fc.oneof(fc.integer({ min: -2, max: 102 }).map(String), fc.constantFrom('', '1e2', '0x10', ' 5', '5.0', '99999999999999999999', 'NaN', '-0', '２'))),
  fc.tuple(fc.constant('cursor'), cursor),
  fc.tuple(fc.constantFrom('since', 'until'), iso),
  fc.tuple(fc.constant('status'), fc.constantFrom('pending', 'succeeded', 'failed', 'cancelled', 'FAILED', '', 'all')),
  fc.tuple(fc.constant('subscription'), fc.oneof(anyId('sub'), fc.constant('a:b'))),
  fc.tuple(fc.constant('kind'), fc.constantFrom('webhook', 'event', 'poison', '')),
  fc.tuple(fc.constant('source'), fc.constantFrom('retired', 'github', 'a:b', '', 'x'.repeat(200))),
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })),
);
export const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  fc.array(queryParam, { minLength: 1, maxLength: 4 }).map((ps) => `?${new URLSearchParams(ps).toString()}`),
  fc.constantFrom('?limit=5&limit=500', '?cursor=%', '?%ZZ=1', '?limit', '?=&&=', '?limit=1#frag'),
);
