import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { transition } from './lifecycle';

/**
 * Suspends a user: they cannot sign in until unsuspended; group and app assignments stay
 * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/#tag/UserLifecycle/operation/suspendUser).
 * A DEPROVISIONED (deactivated) user cannot sign in either and cannot be suspended (Okta answers
 * 400): what suspend is for already holds, so that is `unchanged` rather than a dead letter.
 */
export const suspendUser = (t: Transport, user: string): Promise<ActionOutcome> =>
  transition(t, user, 'suspend', ['SUSPENDED', 'DEPROVISIONED']);
