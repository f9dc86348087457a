import type { Transport } from '../types';
import { path } from '../url';

interface Factor {
  status?: string;
}

/**
 * The number of the user's ACTIVE enrolled factors (GET /api/v1/users/{userId}/factors,
 * https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/listFactors).
 * Okta returns only factors of the highest-priority enrollment policy that applies to the user.
 */
export async function activeFactorCount(t: Transport, userId: string): Promise<number> {
  const res = await t.request<Factor[]>({ path: path`/api/v1/users/${userId}/factors` });
  return Array.isArray(res.body) ? res.body.filter((f) => f.status === 'ACTIVE').length : 0;
}
