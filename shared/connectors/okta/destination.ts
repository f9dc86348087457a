import type { Deps } from '../../ports';
import type { CloudEvent } from '../../events/cloudevent';
import { identityActions, type Perform } from '../identity/action';
import type { Transport, TransportOptions } from '../types';
import { clearSessions } from './clear-sessions';
import { OKTA_REVERSALS, type OktaAction, type OktaDestinationConfig } from './config';
import { lookupBeforeLimit } from './lookup';
import { oktaProtect } from './protect';
import { suspendUser } from './suspend-user';
import { oktaTransportFor } from './transport';
import { unsuspendUser } from './unsuspend-user';

/**
 * `type: okta` destination: runs the configured action(s) for the event's type on the user the
 * event names (identity/action.ts guards the origin and resolves the user; protect.ts adds the
 * other names Okta knows a protected user by). When the actions need the user's id, or `protect`
 * lists Okta ids, the user is looked up and checked first (lookup.ts), before the guard counts
 * the actions against `limit`, and every action goes by the id found. The transport is built on
 * the first event, from that event's deps, and kept.
 */
export function oktaDestination(name: string, config: OktaDestinationConfig, overrides?: Partial<TransportOptions>) {
  const transport = (deps: Deps): Transport => oktaTransportFor(name, config, deps, overrides);
  const settings = { ...config, protect: oktaProtect(config.protect) };
  const lookup = lookupBeforeLimit(name, config, transport);
  /** `found`: the id the lookup found, which every action goes by; else the value the event names. */
  const perform = (found: string | undefined): Perform<OktaAction> => (action, named, deps) => {
    const t = transport(deps);
    const user = found ?? named;
    if (action === 'suspend') return suspendUser(t, user);
    if (action === 'unsuspend') return unsuspendUser(t, user);
    return clearSessions(t, user, { oauthTokens: config.revokeOAuthTokens });
  };
  return async (event: CloudEvent, deps: Deps): Promise<void> => {
    const found = await lookup(event, deps);
    // Per event, as the id found is: the guard it builds is a set of the protect entries.
    await identityActions<OktaAction>(name, settings, perform(found), OKTA_REVERSALS)(event, deps);
  };
}
