/**
 * OCSF 1.3.0 Identity & Access Management classes (category 3, https://schema.ocsf.io/1.3.0/categories/iam)
 * as our IAM mappers emit them. Each class's activities are listed with their OCSF ids; the
 * required attributes are `user` (Account Change, Authentication, User Access Management, which
 * also needs `privileges`) and `group` (Group Management).
 */
import { SEVERITY, type SeverityId } from './ocsf';
import type { Metadata, OcsfGroup, OcsfUser } from './ocsf-objects';
import { compact, type Json } from './read';
import { IAM_EVENT_TYPES } from './types';

export const IAM_CATEGORY = { uid: 3, name: 'Identity & Access Management' } as const;

export const IAM_CLASS = {
  accountChange: { uid: 3001, name: 'Account Change', type: IAM_EVENT_TYPES.accountChange, activities: {
    1: 'Create', 2: 'Enable', 3: 'Password Change', 4: 'Password Reset', 5: 'Disable', 6: 'Delete',
    7: 'Attach Policy', 8: 'Detach Policy', 9: 'Lock', 10: 'MFA Factor Enable', 11: 'MFA Factor Disable' } },
  authentication: { uid: 3002, name: 'Authentication', type: IAM_EVENT_TYPES.authentication, activities: {
    1: 'Logon', 2: 'Logoff', 3: 'Authentication Ticket', 4: 'Service Ticket Request', 5: 'Service Ticket Renew', 6: 'Preauth' } },
  userAccess: { uid: 3005, name: 'User Access Management', type: IAM_EVENT_TYPES.userAccess, activities: {
    1: 'Assign Privileges', 2: 'Revoke Privileges' } },
  groupManagement: { uid: 3006, name: 'Group Management', type: IAM_EVENT_TYPES.groupManagement, activities: {
    1: 'Assign Privileges', 2: 'Revoke Privileges', 3: 'Add User', 4: 'Remove User' } },
} as const satisfies Record<string, { uid: number; name: string; type: string; activities: Record<number, string> }>;

export type IamClass = (typeof IAM_CLASS)[keyof typeof IAM_CLASS];

/** status_id of an IAM event: 1 Success, 2 Failure, 99 Other, 0 Unknown. */
export type IamStatusId = 0 | 1 | 2 | 99;
const IAM_STATUS: Record<IamStatusId, string> = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' };

/** https://schema.ocsf.io/1.3.0/objects/network_endpoint, as far as a client address goes. */
export interface OcsfEndpoint {
  ip?: string;
  /** `country` is an ISO 3166-1 alpha-2 code; `desc` is free text (e.g. a country name no code was found for). */
  location?: { city?: string; region?: string; country?: string; desc?: string; postal_code?: string; coordinates?: number[] };
}

export interface IamParts {
  cls: IamClass;
  /** One of the class's activities, or 99 Other. */
  activityId: number;
  severityId: SeverityId;
  statusId: IamStatusId;
  /** The source's own outcome word when it is not plain success or failure. */
  status?: string;
  statusDetail?: string;
  time: number;
  message?: string;
  actor?: { user?: OcsfUser; session?: { uid: string } };
  user?: OcsfUser;
  group?: OcsfGroup;
  privileges?: string[];
  src_endpoint?: OcsfEndpoint;
  http_request?: { user_agent: string };
  /** Class-specific attributes (Authentication: is_mfa, service, session). */
  extra?: Json;
  metadata: Metadata;
  unmapped?: Json;
}

export function buildIamEvent(p: IamParts): Json {
  const activities: Record<number, string> = p.cls.activities;
  const activityName = activities[p.activityId] ?? 'Other';
  return compact({
    category_uid: IAM_CATEGORY.uid,
    category_name: IAM_CATEGORY.name,
    class_uid: p.cls.uid,
    class_name: p.cls.name,
    activity_id: activities[p.activityId] === undefined ? 99 : p.activityId,
    activity_name: activityName,
    type_uid: p.cls.uid * 100 + (activities[p.activityId] === undefined ? 99 : p.activityId),
    type_name: `${p.cls.name}: ${activityName}`,
    severity_id: p.severityId,
    severity: SEVERITY[p.severityId],
    status_id: p.statusId,
    status: p.statusId === 99 && p.status !== undefined ? p.status : IAM_STATUS[p.statusId],
    status_detail: p.statusDetail,
    time: p.time,
    message: p.message,
    actor: p.actor,
    user: p.user,
    group: p.group,
    privileges: p.privileges,
    src_endpoint: p.src_endpoint,
    http_request: p.http_request,
    ...p.extra,
    metadata: p.metadata,
    unmapped: p.unmapped,
  });
}
