import { isConnectorError } from '../errors';
import type { SourcePage, UserSource } from '../identity/types';
import type { Logger } from '../../ports/logger';
import type { Transport } from '../types';
import { graphObservation } from './user';
import { usersDelta } from './users-delta';

/**
 * Entra ID as a delta source: the first round lists every user, later rounds only what changed
 * since the stored deltaLink, deletions included (`@removed`). What it yields: enabled or disabled,
 * email and name; not MFA methods nor directory roles (those need other Graph APIs and
 * permissions). An expired delta token (410, `connector_sync_reset`) starts a new full round;
 * deletions that happened while the token was stale are then not reported.
 */
export function entraSource(t: Transport, o: { pageSize?: number; logger?: Logger } = {}): UserSource {
  async function* round(resumeFrom: string | undefined): AsyncGenerator<SourcePage> {
    for await (const page of usersDelta(t, { pageSize: o.pageSize, resumeFrom })) {
      yield { users: page.items.map(graphObservation), next: page.next, deltaLink: page.deltaLink };
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
  };
}
