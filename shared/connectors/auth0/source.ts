import type { SourcePage, UserSource } from '../identity/types';
import type { Transport } from '../types';
import { getUser } from './get-user';
import { listUsers } from './list-users';
import { auth0Observation } from './user';

/**
 * Auth0 as a full identity source: every round lists all users (up to 1000, list-users.ts); users
 * missing from the listing are looked up by id (a 404 is a deletion). What it yields: blocked or
 * not, email, name and the number of MFA enrollments in the user's `multifactor` list. Roles are
 * not read: they take one call per user (GET /api/v2/users/{id}/roles).
 */
export function auth0Source(t: Transport, o: { pageSize?: number } = {}): UserSource {
  return {
    provider: 'auth0',
    mode: 'full',
    async *pages(resume): AsyncGenerator<SourcePage> {
      const startPage = resume === undefined ? 0 : Number(resume);
      for await (const page of listUsers(t, { perPage: o.pageSize, startPage: Number.isInteger(startPage) ? startPage : 0 })) {
        yield { users: page.items.map(auth0Observation), next: page.next };
      }
    },
    async lookup(id) {
      const user = await getUser(t, id);
      return user ? auth0Observation(user) : { id, fields: {}, removed: true };
    },
  };
}
