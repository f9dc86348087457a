import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { setEnabled } from './set-enabled';

/**
 * Blocks sign-in: PATCH /users/{id | userPrincipalName} with `{"accountEnabled": false}`, answered
 * 204 (https://learn.microsoft.com/graph/api/user-update; set-enabled.ts). Setting it again is
 * harmless, so a disabled account stays disabled without an error.
 */
export const disableUser = (t: Transport, id: string): Promise<ActionOutcome> => setEnabled(t, id, false);
