/**
 * Okta System Log event types -> OCSF IAM class and activity.
 * Event types: https://developer.okta.com/docs/reference/api/event-types/
 * Group membership goes to Group Management (3006, activities Add User / Remove User), the
 * OCSF class for it: User Access Management (3005) is about privileges granted to a user.
 */
import { IAM_CLASS, type IamClass } from '../ocsf-iam';
import { lookup } from '../read';

export interface OktaClass {
  cls: IamClass;
  activityId: number;
  /**
   * A grant or revocation: the event carries the privileges (debugData privilegeGranted /
   * privilegeRevoked). User Access Management requires them, and Group Management needs them or a
   * user, which a group privilege grant does not name.
   */
  privileges?: true;
}

const { accountChange: AC, authentication: AUTH, userAccess: UAM, groupManagement: GM } = IAM_CLASS;

const EXACT: Record<string, OktaClass> = {
  'user.session.start': { cls: AUTH, activityId: 1 },
  'user.session.end': { cls: AUTH, activityId: 2 },
  'user.authentication.sso': { cls: AUTH, activityId: 1 },
  'user.lifecycle.create': { cls: AC, activityId: 1 },
  'user.lifecycle.activate': { cls: AC, activityId: 2 },
  'user.lifecycle.reactivate': { cls: AC, activityId: 2 },
  'user.lifecycle.unsuspend': { cls: AC, activityId: 2 },
  'user.account.update_password': { cls: AC, activityId: 3 },
  'user.account.reset_password': { cls: AC, activityId: 4 },
  'user.lifecycle.suspend': { cls: AC, activityId: 5 },
  'user.lifecycle.deactivate': { cls: AC, activityId: 5 },
  'user.account.lock': { cls: AC, activityId: 9 },
  'user.account.lock.limit': { cls: AC, activityId: 9 },
  'user.mfa.factor.activate': { cls: AC, activityId: 10 },
  'user.mfa.factor.deactivate': { cls: AC, activityId: 11 },
  'user.mfa.factor.reset_all': { cls: AC, activityId: 11 },
  'user.mfa.factor.suspend': { cls: AC, activityId: 11 },
  'user.account.privilege.grant': { cls: UAM, activityId: 1, privileges: true },
  'user.account.privilege.revoke': { cls: UAM, activityId: 2, privileges: true },
  'group.privilege.grant': { cls: GM, activityId: 1, privileges: true },
  'group.privilege.revoke': { cls: GM, activityId: 2, privileges: true },
  'group.user_membership.add': { cls: GM, activityId: 3 },
  'group.user_membership.remove': { cls: GM, activityId: 4 },
};

/**
 * Families with one activity: every `user.authentication.auth_via_<method>` is a sign-in by some
 * method (mfa, IDP, inbound_SAML, inbound_delauth, iwa, radius, social, richclient, AD_agent,
 * LDAP_agent, ...; Okta adds methods over time), and `user.lifecycle.delete.<stage>` a deletion.
 */
const PREFIXES: [string, OktaClass][] = [
  ['user.authentication.auth_via_', { cls: AUTH, activityId: 1 }],
  ['user.lifecycle.delete.', { cls: AC, activityId: 6 }],
];

/**
 * Families whose other members still belong to a class, as its Other (99) activity: e.g.
 * user.account.unlock (OCSF 1.3 has no Unlock activity), user.account.update_profile,
 * user.authentication.verify.
 */
const FAMILIES: [string, IamClass][] = [
  ['user.session.', AUTH], ['user.authentication.', AUTH],
  ['user.lifecycle.', AC], ['user.account.', AC], ['user.mfa.', AC],
];

/** The class of an Okta event type; undefined for types outside identity and access. */
export function oktaClass(eventType: string): OktaClass | undefined {
  const exact = lookup(EXACT, eventType);
  if (exact !== undefined) return exact;
  const one = PREFIXES.find(([prefix]) => eventType.startsWith(prefix));
  if (one !== undefined) return one[1];
  const family = FAMILIES.find(([prefix]) => eventType.startsWith(prefix));
  return family === undefined ? undefined : { cls: family[1], activityId: 99 };
}
