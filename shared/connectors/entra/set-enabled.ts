import type { ActionOutcome } from '../identity/action';
import type { Transport } from '../types';
import { graphAnswer, objectBody } from './graph-answer';
import { userPath } from './user-path';

/**
 * PATCH /users/{id | userPrincipalName} with `{"accountEnabled": <enabled>}`, which Graph answers
 * 204 No Content (https://learn.microsoft.com/graph/api/user-update); a 200 with the user (as
 * `Prefer: return=representation` would bring) is taken when it shows the value set. Any other
 * 2xx is not Graph's (graph-answer.ts). Setting it again is harmless, so the call is marked
 * idempotent.
 */
export async function setEnabled(t: Transport, id: string, enabled: boolean): Promise<ActionOutcome> {
  const res = await t.request({ method: 'PATCH', path: userPath(id), body: { accountEnabled: enabled }, idempotent: true });
  const isGraphs = (res.status === 204 && res.body === undefined) || objectBody(res.body)?.accountEnabled === enabled;
  graphAnswer(t, res, { method: 'PATCH', path: '/users/{id}', isGraphs });
  return 'done';
}
