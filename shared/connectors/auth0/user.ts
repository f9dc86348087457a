import type { UserObservation } from '../identity/types';

/** The user fields identity sync reads (https://auth0.com/docs/manage-users/user-accounts/user-profiles/user-profile-structure). */
export interface Auth0User {
  user_id: string;
  email?: string;
  name?: string;
  blocked?: boolean;
  /** MFA providers the user is enrolled with (Guardian and others); absent when none. */
  multifactor?: string[];
}

/** Fields asked for with `include_fields=true`: smaller pages, no identities or metadata. */
export const USER_FIELDS = 'user_id,email,name,blocked,multifactor';

export function auth0Observation(u: Auth0User): UserObservation {
  const blocked = u.blocked === true;
  return {
    id: u.user_id,
    fields: { status: blocked ? 'blocked' : 'active', active: !blocked, email: u.email, name: u.name, mfaFactors: Array.isArray(u.multifactor) ? u.multifactor.length : 0 },
  };
}
