import type { Transport } from '../types';
import { graphList } from './graph-list';

/** One row of the authentication methods registration report (https://learn.microsoft.com/graph/api/resources/userregistrationdetails). */
interface UserRegistrationDetails {
  id: string;
  isMfaRegistered?: boolean;
  methodsRegistered?: string[];
}

/**
 * MFA per user id from GET /reports/authenticationMethods/userRegistrationDetails, paged by
 * `@odata.nextLink` (https://learn.microsoft.com/en-us/graph/api/authenticationmethodsroot-list-userregistrationdetails).
 * A user registered for MFA counts the methods registered (at least 1); one who is not counts 0,
 * so losing the registration (or one of several methods) is a lower count. The application
 * permission is AuditLog.Read.All (no other one is accepted), and the tenant needs Entra ID P1 or
 * P2. The report is refreshed by Microsoft with some delay and leaves disabled users out: they
 * are absent from the map, which keeps what the snapshot holds.
 */
export async function mfaRegistration(t: Transport): Promise<Map<string, number>> {
  const factors = new Map<string, number>();
  for await (const row of graphList<UserRegistrationDetails>(t, { path: '/reports/authenticationMethods/userRegistrationDetails' })) {
    if (typeof row.id !== 'string' || typeof row.isMfaRegistered !== 'boolean') continue;
    factors.set(row.id, row.isMfaRegistered ? Math.max(1, Array.isArray(row.methodsRegistered) ? row.methodsRegistered.length : 0) : 0);
  }
  return factors;
}
