import { ConnectorError } from '../errors';
import type { Page } from '../paginate/types';
import type { Transport } from '../types';
import { type Auth0User, USER_FIELDS } from './user';

/** Auth0's largest page, and the most users a listing reaches (https://auth0.com/docs/manage-users/user-search/view-search-results-by-page#limitation). */
export const AUTH0_MAX_PAGE = 100;
export const AUTH0_MAX_RESULTS = 1000;

interface UsersPage {
  users?: Auth0User[];
  total?: number;
}

/** A listing page with the tenant's user count as Auth0 reports it (`include_totals`). */
export type UsersListingPage = Page<Auth0User> & { total?: number };

/**
 * Every user, `page`/`per_page` paging with `include_totals`, oldest first (`sort=created_at:1`,
 * so users created meanwhile land on later pages). `startPage` resumes a persisted position.
 * Auth0 serves at most 1000 users through this endpoint (beyond, it answers 400): each page
 * carries `total`, and a caller that sees more than AUTH0_MAX_RESULTS stops listing and reads the
 * tenant through the user export job instead (export-pages.ts).
 */
export async function* listUsers(t: Transport, o: { perPage?: number; startPage?: number } = {}): AsyncGenerator<UsersListingPage, void, undefined> {
  const perPage = Math.min(o.perPage ?? AUTH0_MAX_PAGE, AUTH0_MAX_PAGE);
  for (let page = o.startPage ?? 0; ; page++) {
    const query = { page, per_page: perPage, include_totals: true, sort: 'created_at:1', fields: USER_FIELDS, include_fields: true };
    const response = await t.request<UsersPage>({ path: '/users', query });
    // Auth0 answers `include_totals` with `{ users: [...], total }`. Anything else (a proxy's page,
    // a baseUrl that is not the Management API) taken for no users would end the round empty and
    // look up every user of the snapshot one by one.
    const items = Array.isArray(response.body?.users) ? response.body.users : undefined;
    if (!items) {
      throw new ConnectorError('connector_bad_response', `${t.name}: the answer to GET /api/v2/users (HTTP ${response.status}) is not an Auth0 user list; check that the baseUrl of ${t.name} is the tenant's Auth0 domain`, {
        connector: t.name, method: 'GET', path: '/api/v2/users', vendorStatus: response.status,
      });
    }
    const total = typeof response.body.total === 'number' ? response.body.total : undefined;
    const seen = (page + 1) * perPage;
    const more = items.length > 0 && (total === undefined ? items.length === perPage : seen < total);
    yield { items, next: more ? String(page + 1) : undefined, response, total };
    if (!more) return;
  }
}
