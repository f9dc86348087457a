import type { UserObservation } from '../identity/types';

/** A user in a delta page (https://learn.microsoft.com/graph/api/user-delta): later rounds carry only changed properties. */
export interface GraphUser {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
  /** Present when the user was deleted (`{"reason": "changed"}`: soft-deleted, restorable for 30 days). */
  '@removed'?: { reason?: string };
}

/** The properties identity sync asks for; `$select` keeps delta pages small. */
export const USER_SELECT = 'id,displayName,mail,userPrincipalName,accountEnabled';

export function graphObservation(u: GraphUser): UserObservation {
  if (u['@removed']) return { id: u.id, fields: {}, removed: true };
  const fields: UserObservation['fields'] = {};
  if (typeof u.accountEnabled === 'boolean') Object.assign(fields, { active: u.accountEnabled, status: u.accountEnabled ? 'enabled' : 'disabled' });
  if (u.mail || u.userPrincipalName) fields.email = u.mail ?? u.userPrincipalName ?? undefined;
  if (u.displayName) fields.name = u.displayName;
  return { id: u.id, fields };
}
