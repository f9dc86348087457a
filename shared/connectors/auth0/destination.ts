import { AppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import { identityActions } from '../identity/action';
import type { TransportOptions } from '../types';
import { AUTH0_REVERSALS, type Auth0Action, type Auth0DestinationConfig } from './config';
import { setBlocked } from './set-blocked';
import { auth0TransportFor } from './transport';

/**
 * `type: auth0` destination: blocks or unblocks the user the event names (a `user_id` such as
 * `auth0|63d17c4c5d69f3e86d515d1c`). A blocked user cannot sign in through Auth0; sessions an
 * application keeps on its own are that application's to end.
 */
export function auth0Destination(name: string, config: Auth0DestinationConfig, overrides?: Partial<TransportOptions>) {
  const perform = (action: Auth0Action, userId: string, deps: Deps) => {
    // Exhaustive: `action === 'block'` alone would unblock for anything else.
    if (action !== 'block' && action !== 'unblock') throw new AppError('internal_error', `Destination ${name}: unknown auth0 action ${String(action)}`, { status: 500, retryable: false, expose: false });
    return setBlocked(auth0TransportFor(name, config, deps, overrides), userId, action === 'block');
  };
  const deliver = identityActions<Auth0Action>(name, config, perform, AUTH0_REVERSALS);
  return (event: CloudEvent, deps: Deps): Promise<void> => deliver(event, deps);
}
