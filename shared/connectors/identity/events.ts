import type { CloudEvent } from '../../events/cloudevent';
import { stableEventId } from '../../events/ids';
import type { Change } from './changes';
import type { IdentityProvider, IdentityUser, SnapshotRecord } from './types';

/** Event types of identity sync; routes filter on them, e.g. `prefix: { type: "secorch.identity.user." }`. */
export const IDENTITY_EVENT_TYPES = {
  created: 'secorch.identity.user.created',
  deactivated: 'secorch.identity.user.deactivated',
  admin_granted: 'secorch.identity.user.admin_granted',
  mfa_removed: 'secorch.identity.user.mfa_removed',
} as const;

export interface SyncScope {
  tenant: string;
  /** The schedule's name: the snapshot and the event ids are per schedule. */
  schedule: string;
  provider: IdentityProvider;
  /**
   * Which directory the schedule reads (provider and org, e.g. `okta https://acme.okta.com`). A
   * snapshot taken of another directory is not compared with this one (position.ts).
   */
  directory?: string;
  /**
   * How many times the schedule's directory changed: the snapshot of each lives under its own
   * keys, and event ids differ from the earlier directory's (set by openPosition from the state).
   */
  generation?: number;
}

/** The OCSF user object (https://schema.ocsf.io/1.3.0/objects/user): uid, email_addr, name. */
const ocsfUser = (u: IdentityUser) => ({ uid: u.id, ...(u.email ? { email_addr: u.email } : {}), ...(u.name ? { name: u.name } : {}) });

const state = (u: IdentityUser | undefined) =>
  u && { status: u.status, active: u.active, ...(u.mfaFactors === undefined ? {} : { mfa_factors: u.mfaFactors }), ...(u.adminRoles ? { admin_roles: u.adminRoles } : {}) };

/**
 * One change as a CloudEvent. The id is derived from (tenant, schedule, provider, user id, change,
 * the user's new state version): a page handled again after an interrupted run yields the same ids,
 * so consumers deduplicating on (source, id) see each change once.
 */
export function changeEvent(scope: SyncScope, before: SnapshotRecord | undefined, after: SnapshotRecord, change: Change, now: number): CloudEvent {
  return {
    specversion: '1.0',
    id: stableEventId('identity-sync', scope.tenant, scope.schedule, scope.provider, after.id, change.kind, String(after.v), ...(scope.generation ? [`g${scope.generation}`] : [])),
    source: `//secorch/schedules/${scope.schedule}`,
    type: IDENTITY_EVENT_TYPES[change.kind],
    subject: after.id,
    time: new Date(now).toISOString(),
    datacontenttype: 'application/json',
    tenant: scope.tenant,
    origin: `schedule:${scope.schedule}`,
    data: {
      provider: scope.provider,
      change: change.kind,
      user: ocsfUser(after),
      before: state(before) ?? null,
      after: state(after),
      ...(change.roles ? { granted_roles: change.roles } : {}),
      version: after.v,
    },
  };
}
