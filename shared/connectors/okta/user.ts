import type { UserObservation } from '../identity/types';

/** The fields of an Okta user identity sync reads (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/). */
export interface OktaUser {
  id: string;
  status: string;
  profile?: { login?: string; email?: string; firstName?: string | null; lastName?: string | null; displayName?: string | null };
}

/** Statuses in which the user cannot sign in. */
const INACTIVE = new Set(['SUSPENDED', 'DEPROVISIONED']);

export const oktaActive = (status: string): boolean => !INACTIVE.has(status);

export function oktaObservation(u: OktaUser): UserObservation {
  const p = u.profile ?? {};
  const name = p.displayName || [p.firstName, p.lastName].filter(Boolean).join(' ') || undefined;
  return { id: u.id, fields: { status: u.status, active: oktaActive(u.status), email: p.email ?? p.login, name } };
}
