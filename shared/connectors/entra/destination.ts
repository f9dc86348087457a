import { AppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import { identityActions } from '../identity/action';
import type { TransportOptions } from '../types';
import { ENTRA_REVERSALS, type EntraAction, type EntraDestinationConfig } from './config';
import { disableUser } from './disable-user';
import { enableUser } from './enable-user';
import { revokeSessions } from './revoke-sessions';
import { entraTransportFor } from './transport';

/**
 * `type: entra` destination: disables the account and/or revokes its sign-in sessions for the
 * event types configured in `on`, or enables a disabled account again. The user is an object id
 * or a userPrincipalName; both address a user in Graph. The transport (and its token) is built on
 * the first event and kept.
 */
export function entraDestination(name: string, config: EntraDestinationConfig, overrides?: Partial<TransportOptions>) {
  const perform = (action: EntraAction, userId: string, deps: Deps) => {
    const t = entraTransportFor(name, config, deps, overrides);
    if (action === 'disable') return disableUser(t, userId);
    if (action === 'enable') return enableUser(t, userId);
    if (action === 'revoke_sessions') return revokeSessions(t, userId);
    // The config schema admits no other action; one that got here anyway is no request.
    throw new AppError('internal_error', `Destination ${name}: unknown entra action ${String(action)}`, { status: 500, retryable: false, expose: false });
  };
  const deliver = identityActions<EntraAction>(name, config, perform, ENTRA_REVERSALS);
  return (event: CloudEvent, deps: Deps): Promise<void> => deliver(event, deps);
}
