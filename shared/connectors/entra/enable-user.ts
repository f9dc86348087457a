import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { setEnabled } from './set-enabled';

/**
 * Lets the user sign in again, undoing disable: PATCH /users/{id | userPrincipalName} with
 * `{"accountEnabled": true}`, answered 204 (https://learn.microsoft.com/graph/api/user-update;
 * set-enabled.ts). Setting it again is harmless. Sessions revoked stay revoked: the user signs in
 * afresh.
 */
export const enableUser = (t: Transport, id: string): Promise<ActionOutcome> => setEnabled(t, id, true);
