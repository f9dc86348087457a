import type { SourcePage, UserObservation, UserSource } from '../identity/types';
import type { Transport } from '../types';
import { getUser } from './get-user';
import { activeFactorCount } from './list-factors';
import { adminRoles } from './list-admins';
import { listUsers } from './list-users';
import { oktaObservation } from './user';

export interface OktaSyncOptions {
  pageSize?: number;
  /** Count each active user's enrolled factors: one more call per user and run. */
  mfa: boolean;
  /** Read admin role assignments: a few calls per run (list-admins.ts). */
  adminRoles: boolean;
}

/** Factor lookups at once: Okta's per-endpoint rate limits are per minute, concurrency only smooths latency. */
const FACTOR_CONCURRENCY = 8;

/**
 * Okta as a full identity source: every round lists all users (Link paging, 200 a page); users the
 * listing no longer returns are looked up by id, which finds DEPROVISIONED ones. What it yields:
 * status (always), the number of ACTIVE factors (`mfa`), admin role types (`adminRoles`).
 */
export function oktaSource(t: Transport, o: OktaSyncOptions): UserSource {
  async function enrich(users: UserObservation[]): Promise<void> {
    if (!o.mfa) return;
    // Inactive users are skipped: their factors cannot be used, and the snapshot keeps the last count.
    const active = users.filter((u) => u.fields.active);
    for (let i = 0; i < active.length; i += FACTOR_CONCURRENCY) {
      await Promise.all(active.slice(i, i + FACTOR_CONCURRENCY).map(async (u) => void (u.fields.mfaFactors = await activeFactorCount(t, u.id))));
    }
  }
  return {
    provider: 'okta',
    mode: 'full',
    async *pages(resume): AsyncGenerator<SourcePage> {
      const admins = o.adminRoles ? await adminRoles(t) : undefined;
      for await (const page of listUsers(t, { limit: o.pageSize, startUrl: resume })) {
        const users = page.items.map(oktaObservation);
        await enrich(users);
        if (admins) for (const u of users) u.fields.adminRoles = admins.get(u.id) ?? [];
        yield { users, next: page.next };
      }
    },
    async lookup(id) {
      const user = await getUser(t, id);
      if (!user) return { id, fields: {}, removed: true };
      const observed = oktaObservation(user);
      await enrich([observed]);
      return observed;
    },
  };
}
