/**
 * The provider-neutral view of a directory user that identity sync keeps in its snapshot. A field
 * left undefined is one the provider (or the job's settings) does not yield: no change is ever
 * derived from it, so turning an enrichment on later does not flood routes with false changes.
 */
export type IdentityProvider = 'okta' | 'entra' | 'auth0';

export interface IdentityUser {
  id: string;
  email?: string;
  name?: string;
  /**
   * The vendor's own status: Okta `ACTIVE`, `SUSPENDED`, `DEPROVISIONED`...; Entra `enabled` or
   * `disabled`; Auth0 `active` or `blocked`; `DELETED` once the user is gone from the directory.
   */
  status: string;
  /** Whether the account can sign in (not suspended, disabled, blocked, deprovisioned or deleted). */
  active: boolean;
  /** Number of enrolled MFA factors. */
  mfaFactors?: number;
  /** Administrator roles held, sorted. */
  adminRoles?: string[];
}

/** What a source says about one user: all fields for a full listing, changed ones for a delta. */
export interface UserObservation {
  id: string;
  fields: Partial<Omit<IdentityUser, 'id'>>;
  /** The user is gone (a delta's `@removed`, a 404 on lookup). */
  removed?: boolean;
}

export interface SourcePage {
  users: UserObservation[];
  /** Where the listing continues; undefined on the last page of a round. */
  next?: string;
  /** A delta source's link for the next round, on its last page. */
  deltaLink?: string;
}

/**
 * Where identity sync reads users from. A full source lists every user each round, so a user not
 * seen in a round is looked up (`lookup`) and, when gone, recorded as deleted. A delta source
 * (Graph) reports only changes and removals since its last round's link.
 */
export interface UserSource {
  provider: IdentityProvider;
  mode: 'full' | 'delta';
  /** Pages from `resume` (a persisted next-page position), or from the start of a round. */
  pages(resume: string | undefined, deltaLink: string | undefined): AsyncIterable<SourcePage>;
  /** Full sources: the current state of one user, or a removal. */
  lookup?(id: string): Promise<UserObservation>;
  /**
   * Delta sources: fields read beside the listing once per run (MFA registration, role
   * assignments), by user id. A delta round returns only users whose own object changed, so at the
   * end of each round every active user of the snapshot is compared with these fields (enrich.ts).
   */
  enrichment?(): Promise<Enrichment>;
}

/** The enrichment fields of one user; a field left out is unknown and keeps what the snapshot holds. */
export type Enrichment = (id: string) => UserObservation['fields'];

/** One snapshot record: the user as last seen, its state version and the round it was seen in. */
export interface SnapshotRecord extends IdentityUser {
  /**
   * Bumped on every change of a tracked field; part of the change events' ids. A record stored
   * again after its value was unreadable restarts at the clock's milliseconds (apply.ts), so the
   * ids never repeat one of an event published before.
   */
  v: number;
  round: number;
}
