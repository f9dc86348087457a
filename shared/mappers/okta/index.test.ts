import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCloudEvent } from '../../events/cloudevent';
import { mappedEvents, type MappedEvent } from '../types';
import { oktaMapper } from './index';

// Okta's documented samples (fixtures/README.md): the event hook delivery and the
// user.lifecycle.deactivate event object. Other event types are the latter with eventType and
// targets changed per the System Log LogEvent reference.
type Json = Record<string, unknown>;
const load = (name: string): Json => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as Json;
const hook = (...events: Json[]) => {
  const h = load('event-hook.sample.json');
  if (events.length > 0) (h.data as Json).events = events;
  return h;
};
const deactivate = () => load('user.lifecycle.deactivate.logevent.json');
const sessionStart = () => ((load('event-hook.sample.json').data as Json).events as Json[])[0]!;
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const map = (payload: unknown) => mappedEvents(oktaMapper({ deliveryId: 'b5a188b9', payload, receivedAt: RECEIVED }));
const one = (ev: Json): MappedEvent => map(hook(ev))[0]!;
const variant = (eventType: string, target?: Json[]): Json => ({ ...deactivate(), eventType, uuid: `uuid-${eventType}`, ...(target ? { target } : {}) });

describe('Okta event hooks', () => {
  test('the documented sample delivery: user.session.start is an Authentication Logon', () => {
    const [ev, ...rest] = map(load('event-hook.sample.json'));
    expect(rest).toEqual([]);
    expect(ev).toMatchObject({ type: 'secorch.iam.authentication', subject: 'okta:user.session.start', time: '2018-03-28T22:23:07.777Z', key: 'f790999f-fe87-467a-9880-6982a583986c' });
    expect(ev?.data).toEqual({
      category_uid: 3, category_name: 'Identity & Access Management', class_uid: 3002, class_name: 'Authentication',
      activity_id: 1, activity_name: 'Logon', type_uid: 300201, type_name: 'Authentication: Logon',
      severity_id: 1, severity: 'Informational', status_id: 1, status: 'Success',
      time: Date.parse('2018-03-28T22:23:07.777Z'), message: 'User login to Okta',
      actor: { user: { uid: '00u1qw6mqitPHM8AJ0g7', name: 'admin@example.com', full_name: 'Example Admin', email_addr: 'admin@example.com', type: 'User', type_id: 1 } },
      // No target: the actor is the user who logged on.
      user: { uid: '00u1qw6mqitPHM8AJ0g7', name: 'admin@example.com', full_name: 'Example Admin', email_addr: 'admin@example.com', type: 'User', type_id: 1 },
      src_endpoint: { ip: '12.97.85.90' },
      http_request: { user_agent: 'UNKNOWN-DOWNLOAD' },
      session: { uid: '1013FfF-DKQSvCI4RVXChzX-w' },
      metadata: {
        version: '1.3.0', product: { name: 'Okta', vendor_name: 'Okta' }, uid: 'f790999f-fe87-467a-9880-6982a583986c',
        event_code: 'user.session.start', original_time: '2018-03-28T22:23:07.777Z', logged_time: RECEIVED, correlation_uid: 'V04Oy4ubUOc5UuG6s9DyNQAABtc',
      },
      unmapped: { legacy_event_type: 'core.user_auth.login_success' },
    });
  });

  test('the documented user.lifecycle.deactivate: Account Change Disable of the target, by the admin, from Toronto', () => {
    const ev = one(deactivate());
    expect(ev).toMatchObject({ type: 'secorch.iam.account_change', subject: 'okta:user.lifecycle.deactivate', key: 'ab62c0bc-2837-11eb-9823-9fb8f750c5a9' });
    expect(ev.data).toMatchObject({
      class_uid: 3001, activity_id: 5, activity_name: 'Disable', type_uid: 300105,
      user: { uid: '00u3m90rxKjGQ0G6L1d6', name: 'john.doe@example.com', full_name: 'John Doe' },
      actor: { user: { uid: '00u2di94bAMSEPvAY1d6', name: 'okta.trainer@okta.com' } },
      src_endpoint: { ip: '174.89.174.56', location: { city: 'Toronto', region: 'Ontario', country: 'CA', postal_code: 'M6B', coordinates: [-79.4462, 43.7114] } },
    });
  });

  test('one delivery, several events: one mapped event each, in order, keyed by their uuids', () => {
    const events = map(hook(sessionStart(), deactivate(), variant('user.account.lock', [])));
    expect(events.map((e) => [e.type, e.key])).toEqual([
      ['secorch.iam.authentication', 'f790999f-fe87-467a-9880-6982a583986c'],
      ['secorch.iam.account_change', 'ab62c0bc-2837-11eb-9823-9fb8f750c5a9'],
      ['secorch.iam.account_change', 'uuid-user.account.lock'],
    ]);
    for (const e of events) expect(validateCloudEvent({ specversion: '1.0', id: '1', source: '/webhooks/okta', ...e, key: undefined })).toEqual([]);
  });

  test.each([
    ['user.account.lock', 3001, 9], ['user.mfa.factor.deactivate', 3001, 11], ['user.mfa.factor.activate', 3001, 10],
    ['user.lifecycle.suspend', 3001, 5], ['user.lifecycle.create', 3001, 1], ['user.account.reset_password', 3001, 4],
    ['user.account.unlock', 3001, 99], ['user.session.end', 3002, 2], ['user.authentication.verify', 3002, 99],
  ])('%s -> class %i activity %i', (eventType, classUid, activityId) => {
    expect(one(variant(eventType)).data).toMatchObject({ class_uid: classUid, activity_id: activityId, type_uid: classUid * 100 + activityId });
  });

  test.each([
    'user.authentication.auth_via_inbound_SAML', 'user.authentication.auth_via_inbound_delauth', 'user.authentication.auth_via_iwa',
    'user.authentication.auth_via_IDP', 'user.authentication.auth_via_radius', 'user.authentication.auth_via_LDAP_agent',
  ])('%s (a sign-in by one of Okta\'s auth_via_* methods) is an Authentication Logon', (eventType) => {
    expect(one(variant(eventType))).toMatchObject({ type: 'secorch.iam.authentication', data: { class_uid: 3002, activity_id: 1, activity_name: 'Logon', type_uid: 300201 } });
  });

  test.each(['user.lifecycle.delete.initiated', 'user.lifecycle.delete.completed'])('%s is an Account Change Delete', (eventType) => {
    expect(one(variant(eventType)).data).toMatchObject({ class_uid: 3001, activity_id: 6, activity_name: 'Delete' });
  });

  test('MFA and SSO logons: is_mfa, and the application signed in to as the service', () => {
    expect(one(variant('user.authentication.auth_via_mfa')).data).toMatchObject({ class_uid: 3002, activity_id: 1, is_mfa: true });
    const app = { id: '0oa1gjh63g214q0Hq0g4', type: 'AppInstance', alternateId: 'Salesforce', displayName: 'Salesforce' };
    const sso = one(variant('user.authentication.sso', [...(deactivate().target as Json[]), app])).data as Json;
    expect(sso).toMatchObject({ activity_id: 1, service: { uid: '0oa1gjh63g214q0Hq0g4', name: 'Salesforce' }, session: { uid: '102lMcfHbwSTuS5V1oPHJs3lw' } });
    expect(sso.is_mfa).toBeUndefined();
  });

  test('privilege grants are User Access Management with the privileges named by Okta', () => {
    const ev = variant('user.account.privilege.grant');
    ev.debugContext = { debugData: { privilegeGranted: 'Super administrator, Application administrator' } };
    expect(one(ev)).toMatchObject({
      type: 'secorch.iam.user_access',
      data: { class_uid: 3005, activity_id: 1, privileges: ['Super administrator', 'Application administrator'], user: { uid: '00u3m90rxKjGQ0G6L1d6' } },
    });
  });

  test('group membership is Group Management (Add User / Remove User) with the group and the user', () => {
    const group = { id: '00g1emaKYZTWRYYRRTSK', type: 'UserGroup', alternateId: 'unknown', displayName: 'Admins' };
    const target = [...(deactivate().target as Json[]), group];
    expect(one(variant('group.user_membership.add', target))).toMatchObject({
      type: 'secorch.iam.group_management',
      data: { class_uid: 3006, activity_id: 3, activity_name: 'Add User', group: { uid: '00g1emaKYZTWRYYRRTSK', name: 'Admins' }, user: { uid: '00u3m90rxKjGQ0G6L1d6' } },
    });
    expect(one(variant('group.user_membership.remove', target)).data).toMatchObject({ activity_id: 4 });
    // Without the group target the class's required group is missing: passed through as received.
    expect(one(variant('group.user_membership.add')).type).toBe('secorch.webhook.received');
  });

  test('group privilege grants and revocations carry the privileges (Group Management needs privileges or a user)', () => {
    const group = { id: '00g1emaKYZTWRYYRRTSK', type: 'UserGroup', alternateId: 'unknown', displayName: 'Admins' };
    const grant = variant('group.privilege.grant', [group]);
    grant.debugContext = { debugData: { privilegeGranted: 'Read only admin, Help desk admin' } };
    expect(one(grant)).toMatchObject({
      type: 'secorch.iam.group_management',
      data: { class_uid: 3006, activity_id: 1, group: { uid: '00g1emaKYZTWRYYRRTSK' }, privileges: ['Read only admin', 'Help desk admin'] },
    });
    // The admin who granted it is the actor, not the user of the event (no user is named).
    expect(one(grant).data).toMatchObject({ actor: { user: { uid: '00u2di94bAMSEPvAY1d6' } } });
    expect((one(grant).data as Record<string, unknown>).user).toBeUndefined();
    const revoke = variant('group.privilege.revoke', [group]);
    revoke.debugContext = { debugData: { privilegeRevoked: 'Read only admin' } };
    expect(one(revoke).data).toMatchObject({ activity_id: 2, privileges: ['Read only admin'] });
    // Membership changes name a user, not privileges.
    expect(one(variant('group.user_membership.add', [...(deactivate().target as Json[]), group])).data).not.toHaveProperty('privileges');
  });

  test.each([
    ['FAILURE', 'INVALID_CREDENTIALS', 2, 'Failure'], ['DENY', undefined, 2, 'Failure'], ['CHALLENGE', undefined, 99, 'CHALLENGE'], [undefined, undefined, 0, 'Unknown'],
  ])('outcome %s -> status %i %s', (result, reason, statusId, status) => {
    const ev = { ...sessionStart(), outcome: result === undefined ? undefined : { result, reason } };
    expect(one(ev).data).toMatchObject({ status_id: statusId, status, ...(reason ? { status_detail: reason } : {}) });
  });

  test.each([['DEBUG', 1], ['INFO', 1], ['WARN', 3], ['ERROR', 4], ['LOUD', 0]])('severity %s -> %i', (severity, id) => {
    expect((one({ ...sessionStart(), severity }).data as Json).severity_id).toBe(id);
  });

  test('event types outside identity pass through as received, one per event, subject okta:<type>', () => {
    const ev = variant('application.lifecycle.update');
    expect(one(ev)).toEqual({ type: 'secorch.webhook.received', subject: 'okta:application.lifecycle.update', time: '2020-11-16T18:15:12.862Z', data: ev, key: 'uuid-application.lifecycle.update' });
  });

  test('a bare LogEvent maps alone; malformed deliveries and events give nothing, never throw', () => {
    expect(oktaMapper({ payload: deactivate(), receivedAt: RECEIVED })).toMatchObject({ type: 'secorch.iam.account_change' });
    const noUuid = { ...deactivate(), uuid: undefined };
    const badTime = { ...deactivate(), published: 'yesterday' };
    expect(map(hook(noUuid, badTime, deactivate())).map((e) => e.key)).toEqual(['ab62c0bc-2837-11eb-9823-9fb8f750c5a9']);
    for (const payload of [null, 'x', [], {}, { eventType: 'com.okta.event_hook' }, { eventType: 'com.okta.event_hook', data: { events: [] } }, hook(noUuid)]) {
      expect(oktaMapper({ payload, receivedAt: RECEIVED })).toBeUndefined();
    }
  });
});
