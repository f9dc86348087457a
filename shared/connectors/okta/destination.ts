import type { Deps } from '../../ports';
import type { CloudEvent } from '../../events/cloudevent';
import { identityActions } from '../identity/action';
import type { Transport, TransportOptions } from '../types';
import { clearSessions } from './clear-sessions';
import { OKTA_REVERSALS, type OktaAction, type OktaDestinationConfig } from './config';
import { listsOktaIds, oktaProtect, protectedIdCheck } from './protect';
import { suspendUser } from './suspend-user';
import { oktaTransportFor } from './transport';
import { unsuspendUser } from './unsuspend-user';

/**
 * `type: okta` destination: runs the configured action(s) for the event's type on the user the
 * event names (identity/action.ts guards the origin and resolves the user; protect.ts adds the
 * other names Okta knows a protected user by, and checks the id an action looks up for a login).
 * The transport is built on the first event, from that event's deps, and kept.
 */
export function oktaDestination(name: string, config: OktaDestinationConfig, overrides?: Partial<TransportOptions>) {
  const transport = (deps: Deps): Transport => oktaTransportFor(name, config, deps, overrides);
  const idCheck = protectedIdCheck(name, config.protect);
  const lookUp = listsOktaIds(config.protect);
  const perform = (action: OktaAction, userId: string, deps: Deps) => {
    const t = transport(deps);
    const checkId = idCheck(userId, action, deps);
    if (action === 'suspend') return suspendUser(t, userId, checkId, lookUp);
    if (action === 'unsuspend') return unsuspendUser(t, userId, checkId, lookUp);
    return clearSessions(t, userId, { oauthTokens: config.revokeOAuthTokens, checkId });
  };
  const deliver = identityActions<OktaAction>(name, { ...config, protect: oktaProtect(config.protect) }, perform, OKTA_REVERSALS);
  return (event: CloudEvent, deps: Deps): Promise<void> => deliver(event, deps);
}
