import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { transition } from './lifecycle';

/** Returns a SUSPENDED user to ACTIVE (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/#tag/UserLifecycle/operation/unsuspendUser). */
export const unsuspendUser = (t: Transport, user: string): Promise<ActionOutcome> =>
  transition(t, user, 'unsuspend', ['ACTIVE']);
