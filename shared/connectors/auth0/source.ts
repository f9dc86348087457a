import type { SourcePage, UserSource } from '../identity/types';
import type { Transport } from '../types';
import { adminRoles } from './admin-roles';
import { exportPages, type ExportOptions, parseExportPosition } from './export-pages';
import { getUser } from './get-user';
import { AUTH0_MAX_RESULTS, listUsers } from './list-users';
import { type Auth0User, auth0Observation } from './user';

export interface Auth0SyncOptions {
  pageSize?: number;
  /** Read RBAC role holders once per run (admin-roles.ts): a few calls, not one per user. */
  adminRoles?: boolean;
  /** The role names that count as admin roles; every role when undefined. */
  adminRoleNames?: readonly string[];
  /** For tenants over 1000 users: the export job's waits, download client and limits. */
  export: Omit<ExportOptions, 'pageSize'>;
}

/** Users per page of an export, when pageSize is not set. */
const EXPORT_PAGE = 100;

/**
 * Auth0 as a full identity source. Every round starts with the user listing (list-users.ts);
 * when a page reports more than 1000 users (the first does, unless the tenant grew during the
 * round), which the listing cannot reach, the round reads them all through a user export job
 * instead (export-pages.ts), its position saved after every page like the listing's. Users
 * missing from the round are looked up by id (a 404 is a deletion). Both paths read the same fields and map them alike (user.ts), so a tenant that
 * grows past 1000 users reports no change for that. What it yields: blocked or not, email, name
 * and the number of MFA enrollments in the user's `multifactor` list (always read); with
 * `adminRoles`, the names of the admin roles each user holds (none: an empty list). A lookup
 * leaves roles as the snapshot holds them.
 */
export function auth0Source(t: Transport, o: Auth0SyncOptions): UserSource {
  return {
    provider: 'auth0',
    mode: 'full',
    async *pages(resume): AsyncGenerator<SourcePage> {
      const admins = o.adminRoles ? await adminRoles(t, o.adminRoleNames) : undefined;
      const observe = (items: Auth0User[]) => {
        const users = items.map(auth0Observation);
        if (admins) for (const u of users) u.fields.adminRoles = admins.get(u.id) ?? [];
        return users;
      };
      const exporting = parseExportPosition(resume);
      const exportOptions = { ...o.export, pageSize: o.pageSize ?? EXPORT_PAGE };
      if (exporting) {
        for await (const page of exportPages(t, exportOptions, exporting)) yield { users: observe(page.users), next: page.next };
        return;
      }
      const startPage = resume === undefined ? 0 : Number(resume);
      for await (const page of listUsers(t, { perPage: o.pageSize, startPage: Number.isInteger(startPage) ? startPage : 0 })) {
        if (page.total !== undefined && page.total > AUTH0_MAX_RESULTS) {
          o.export.logger?.info('auth0 tenant over the listing limit; reading it through a user export job', { connector: t.name, total: page.total });
          for await (const p of exportPages(t, exportOptions)) yield { users: observe(p.users), next: p.next };
          return;
        }
        yield { users: observe(page.items), next: page.next };
      }
    },
    async lookup(id) {
      const user = await getUser(t, id);
      return user ? auth0Observation(user) : { id, fields: {}, removed: true };
    },
  };
}
