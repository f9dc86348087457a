import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { graphAnswer, objectBody } from './graph-answer';
import { userPath } from './user-path';

/**
 * Invalidates the user's refresh tokens and session cookies: POST /users/{id}/revokeSignInSessions,
 * answered 200 `{"value": true}` (https://learn.microsoft.com/graph/api/user-revokesigninsessions);
 * any other 2xx is not Graph's confirmation (graph-answer.ts). Access tokens already issued stay
 * valid until they expire (about an hour), as Microsoft notes; disable the account too to stop new
 * ones. Repeating it is harmless (idempotent).
 */
export async function revokeSessions(t: Transport, id: string): Promise<ActionOutcome> {
  const res = await t.request({ method: 'POST', path: userPath(id, '/revokeSignInSessions'), idempotent: true });
  graphAnswer(t, res, { method: 'POST', path: '/users/{id}/revokeSignInSessions', isGraphs: objectBody(res.body)?.value === true });
  return 'done';
}
