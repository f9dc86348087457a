import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { transition } from './lifecycle';
import type { CheckOktaId } from './protect';

/** Returns a SUSPENDED user to ACTIVE (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/#tag/UserLifecycle/operation/unsuspendUser). */
export const unsuspendUser = (t: Transport, id: string, checkId?: CheckOktaId, lookUp = false): Promise<ActionOutcome> =>
  transition(t, id, 'unsuspend', ['ACTIVE'], checkId, lookUp);
