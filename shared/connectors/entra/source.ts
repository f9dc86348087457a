import { isConnectorError } from '../errors';
import type { Enrichment, SourcePage, UserSource } from '../identity/types';
import type { Logger } from '../../ports/logger';
import type { Transport } from '../types';
import { mfaRegistration } from './mfa-registration';
import { directoryRoles } from './role-assignments';
import { graphObservation } from './user';
import { usersDelta } from './users-delta';

export interface EntraSyncOptions {
  pageSize?: number;
  logger?: Logger;
  /** Read the MFA registration report once per run (mfa-registration.ts, AuditLog.Read.All). */
  mfa?: boolean;
  /** Read directory role assignments once per run (role-assignments.ts, RoleManagement.Read.Directory). */
  adminRoles?: boolean;
}

/**
 * Entra ID as a delta source: the first round lists every user, later rounds only what changed
 * since the stored deltaLink, deletions included (`@removed`). What it yields: enabled or disabled,
 * email and name; with `mfa` the MFA registration (as a method count) and with `adminRoles` the
 * directory role names. Those come from other APIs, read once per run: they are merged into the
 * users of the delta pages, and the round ends with a pass comparing them with every active user
 * of the snapshot (identity/enrich.ts), since a user losing MFA or gaining a role is not a change
 * of the user object the delta reports. An expired delta token (410, or 400 syncStateNotFound: `connector_sync_reset`)
 * starts a new full round; deletions that happened while the token was stale are then not reported.
 */
export function entraSource(t: Transport, o: EntraSyncOptions = {}): UserSource {
  let read: Promise<Enrichment> | undefined;
  const enrichment = () => (read ??= readEnrichment(t, o));
  async function* round(resumeFrom: string | undefined): AsyncGenerator<SourcePage> {
    const fieldsOf = o.mfa || o.adminRoles ? await enrichment() : undefined;
    for await (const page of usersDelta(t, { pageSize: o.pageSize, resumeFrom })) {
      const users = page.items.map(graphObservation);
      if (fieldsOf) for (const u of users) if (!u.removed) Object.assign(u.fields, fieldsOf(u.id));
      yield { users, next: page.next, deltaLink: page.deltaLink };
    }
  }
  return {
    provider: 'entra',
    mode: 'delta',
    async *pages(resume, deltaLink) {
      const from = resume ?? deltaLink;
      try {
        yield* round(from);
      } catch (e) {
        if (from === undefined || !isConnectorError(e) || e.code !== 'connector_sync_reset') throw e;
        o.logger?.warn('entra delta token expired; starting a full round', { connector: t.name });
        yield* round(undefined);
      }
    },
    ...(o.mfa || o.adminRoles ? { enrichment } : {}),
  };
}

async function readEnrichment(t: Transport, o: EntraSyncOptions): Promise<Enrichment> {
  const factors = o.mfa ? await mfaRegistration(t) : undefined;
  const roles = o.adminRoles ? await directoryRoles(t) : undefined;
  return (id) => ({
    ...(factors?.has(id) ? { mfaFactors: factors.get(id) } : {}),
    ...(roles ? { adminRoles: roles.get(id) ?? [] } : {}),
  });
}
