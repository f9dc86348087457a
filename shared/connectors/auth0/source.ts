import type { SourcePage, UserSource } from '../identity/types';
import type { Transport } from '../types';
import { adminRoles } from './admin-roles';
import { getUser } from './get-user';
import { listUsers } from './list-users';
import { auth0Observation } from './user';

export interface Auth0SyncOptions {
  pageSize?: number;
  /** Read RBAC role holders once per run (admin-roles.ts): a few calls, not one per user. */
  adminRoles?: boolean;
  /** The role names that count as admin roles; every role when undefined. */
  adminRoleNames?: readonly string[];
}

/**
 * Auth0 as a full identity source: every round lists all users (up to 1000, list-users.ts); users
 * missing from the listing are looked up by id (a 404 is a deletion). What it yields: blocked or
 * not, email, name and the number of MFA enrollments in the user's `multifactor` list (always
 * read: it is part of the listing); with `adminRoles`, the names of the admin roles each listed
 * user holds (none: an empty list). A lookup leaves roles as the snapshot holds them.
 */
export function auth0Source(t: Transport, o: Auth0SyncOptions = {}): UserSource {
  return {
    provider: 'auth0',
    mode: 'full',
    async *pages(resume): AsyncGenerator<SourcePage> {
      const admins = o.adminRoles ? await adminRoles(t, o.adminRoleNames) : undefined;
      const startPage = resume === undefined ? 0 : Number(resume);
      for await (const page of listUsers(t, { perPage: o.pageSize, startPage: Number.isInteger(startPage) ? startPage : 0 })) {
        const users = page.items.map(auth0Observation);
        if (admins) for (const u of users) u.fields.adminRoles = admins.get(u.id) ?? [];
        yield { users, next: page.next };
      }
    },
    async lookup(id) {
      const user = await getUser(t, id);
      return user ? auth0Observation(user) : { id, fields: {}, removed: true };
    },
  };
}
