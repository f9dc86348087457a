import { oktaDestinationSchema } from '../okta/config';
import { originAllowed, userOf } from './action';
import { changesOf, observe } from './changes';
import type { SnapshotRecord } from './types';

const rec = (o: Partial<SnapshotRecord> = {}): SnapshotRecord => ({ id: 'u1', status: 'ACTIVE', active: true, v: 1, round: 1, ...o });

test('changes: first sighting is created only; unknown fields yield nothing; role gains and factor losses', () => {
  expect(changesOf(undefined, observe(undefined, { id: 'u1', fields: { status: 'SUSPENDED', active: false } }))).toEqual([{ kind: 'created' }]);
  expect(changesOf(rec(), observe(rec(), { id: 'u1', fields: { mfaFactors: 0, adminRoles: ['SUPER_ADMIN'] } }))).toEqual([]);
  const before = rec({ mfaFactors: 2, adminRoles: ['USER_ADMIN'] });
  const after = observe(before, { id: 'u1', fields: { status: 'SUSPENDED', active: false, mfaFactors: 1, adminRoles: ['USER_ADMIN', 'ORG_ADMIN'] } });
  expect(changesOf(before, after)).toEqual([{ kind: 'deactivated' }, { kind: 'admin_granted', roles: ['ORG_ADMIN'] }, { kind: 'mfa_removed' }]);
  expect(observe(before, { id: 'u1', fields: {}, removed: true })).toMatchObject({ status: 'DELETED', active: false, mfaFactors: 2 });
  // A delta's partial user keeps what it does not mention.
  expect(observe(rec({ email: 'a@x' }), { id: 'u1', fields: { name: 'A' } })).toMatchObject({ email: 'a@x', name: 'A', status: 'ACTIVE' });
});

test('origins: verified webhook and schedule origins; api only when allowed; anything else refused', () => {
  expect(['webhook:okta', 'schedule:nightly'].map((o) => originAllowed(o, false))).toEqual([true, true]);
  expect([originAllowed('api:k1', false), originAllowed('api:k1', true)]).toEqual([false, true]);
  expect([undefined, '', 'webhook:', 'mqtt:x', 42].map((o) => originAllowed(o, true))).toEqual([false, false, false, false, false]);
  // Cloud findings and reports only as named, exactly; allowOrigins never widens api or unknown prefixes.
  const allow = ['eventbridge:aws.guardduty', 'storage:reports'];
  expect(['eventbridge:aws.guardduty', 'storage:reports', 'eventbridge:aws.guardduty2', 'eventbridge:custom', 'storage:other'].map((o) => originAllowed(o, false, allow)))
    .toEqual([true, true, false, false, false]);
  expect(originAllowed('api:k1', false, ['api:k1'])).toBe(false);
});

test('user template: text or a number; empty, missing and objects are unresolved', () => {
  const e = { specversion: '1.0' as const, id: '1', source: 's', type: 't', data: { user: { uid: ' 00u1 ', n: 7, o: {} } } };
  expect([userOf('{{ data.user.uid }}', e), userOf('{{ data.user.n }}', e)]).toEqual(['00u1', '7']);
  expect(['{{ data.user.o }}', '{{ data.nobody }}', '{{ data.user.email_addr || data.user.uid }}'].map((t) => userOf(t, e))).toEqual([undefined, undefined, '00u1']);
});

test('destination config: one action or a list per event type; bad actions, templates and extra keys refused', () => {
  const base = { type: 'okta', baseUrl: 'https://example.okta.com', apiToken: 't' };
  expect(oktaDestinationSchema.parse({ ...base, on: { a: 'suspend', b: ['suspend', 'clear_sessions'] } })).toMatchObject({ user: '{{ data.user.uid }}', allowApiOrigin: false, revokeOAuthTokens: true });
  expect(oktaDestinationSchema.safeParse({ ...base, on: { a: 'delete' } }).success).toBe(false);
  expect(oktaDestinationSchema.safeParse({ ...base, user: 'data.user.uid' }).success).toBe(false);
  expect(oktaDestinationSchema.safeParse({ ...base, user: '{{ data.user.uid + 1 }}' }).success).toBe(false);
  expect(oktaDestinationSchema.safeParse({ ...base, clientSecret: 'x' }).success).toBe(false);
  expect(oktaDestinationSchema.parse({ ...base, on: { a: 'suspend' }, allowOrigins: ['eventbridge:aws.guardduty'] })).toMatchObject({ allowOrigins: ['eventbridge:aws.guardduty'] });
  for (const o of ['webhook:x', 'api:k1', 'eventbridge:', 'storage:a b', 'mqtt:x']) expect(oktaDestinationSchema.safeParse({ ...base, on: { a: 'suspend' }, allowOrigins: [o] }).success).toBe(false);
});
