import { linkPages } from '../paginate/link';
import type { Pages } from '../paginate/types';
import type { Transport } from '../types';
import type { OktaUser } from './user';

/** Okta's largest page of users (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers). */
export const OKTA_MAX_PAGE = 200;

/**
 * Every user but DEPROVISIONED ones (the listing leaves them out), `Link: rel="next"` paging.
 * `startUrl` resumes from a persisted next-page link, which must stay on the org's origin.
 */
export function listUsers(t: Transport, o: { limit?: number; startUrl?: string } = {}): Pages<OktaUser> {
  return linkPages<OktaUser>(t, {
    request: { path: '/api/v1/users', query: { limit: Math.min(o.limit ?? OKTA_MAX_PAGE, OKTA_MAX_PAGE) } },
    items: (body) => (Array.isArray(body) ? (body as OktaUser[]) : []),
    startUrl: o.startUrl,
  });
}
