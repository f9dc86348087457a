import type { IdentityUser, SnapshotRecord, UserObservation } from './types';

/** The changes identity sync reports, as event type suffixes (`secorch.identity.user.<kind>`). */
export type ChangeKind = 'created' | 'deactivated' | 'admin_granted' | 'mfa_removed';

export interface Change {
  kind: ChangeKind;
  /** For admin_granted: the roles gained. */
  roles?: string[];
}

const TRACKED = ['email', 'name', 'status', 'active', 'mfaFactors', 'adminRoles'] as const;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The user after an observation: a delta's fields over what the snapshot holds. */
export function observe(before: IdentityUser | undefined, o: UserObservation): IdentityUser {
  if (o.removed) return { ...(before ?? {}), id: o.id, status: 'DELETED', active: false };
  const merged: IdentityUser = { status: 'unknown', active: true, ...before, ...withoutUndefined(o.fields), id: o.id };
  if (merged.adminRoles) merged.adminRoles = [...merged.adminRoles].sort();
  return merged;
}

const withoutUndefined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Whether any tracked field differs (then the record's version is bumped). */
export const differs = (before: IdentityUser, after: IdentityUser): boolean => TRACKED.some((k) => !same(before[k], after[k]));

/**
 * The reportable changes from `before` to `after`. A first sighting is `created` only; a field
 * unknown on either side (undefined) yields nothing. Reactivations, role removals and new factors
 * update the snapshot without an event.
 */
export function changesOf(before: SnapshotRecord | undefined, after: IdentityUser): Change[] {
  if (!before) return [{ kind: 'created' }];
  const out: Change[] = [];
  if (before.active && !after.active) out.push({ kind: 'deactivated' });
  if (before.adminRoles && after.adminRoles) {
    const gained = after.adminRoles.filter((r) => !before.adminRoles!.includes(r));
    if (gained.length) out.push({ kind: 'admin_granted', roles: gained });
  }
  if (before.mfaFactors !== undefined && after.mfaFactors !== undefined && after.mfaFactors < before.mfaFactors) out.push({ kind: 'mfa_removed' });
  return out;
}
