import { createHash } from 'node:crypto';
import { AppError } from '../../errors';
import type { Deps, Logger } from '../../ports';
import { type ActionLimit, disruptive } from './config';
import { limitKey, reserve } from './limit';

/**
 * The blast-radius guard of an identity destination, run after the origin and user checks and
 * before any request to the provider:
 * - `protect`: users never acted on, whatever the action (a reversal too: the tool keeps its hands
 *   off break-glass accounts entirely). Refused with `identity_user_protected`.
 * - `limit`: a cap on disruptive actions per destination and window, shared through the state
 *   store; past it `identity_action_limited`. Reversals are never counted nor refused, so an
 *   operator can always undo.
 * Both refusals are final (retryable: false): redelivery would only repeat them, so the router
 * keeps the event as a `destination_failed` dead letter, to be reviewed and replayed.
 */
export interface GuardSettings {
  protect: readonly string[];
  limit: ActionLimit | false;
}

/**
 * How a user identifier is compared with `protect`: compatibility forms folded and diacritical
 * marks dropped (NFKD without nonspacing marks), outer whitespace trimmed, case folded both ways
 * (upper then lower, so `ı` and `ſ` meet `i` and `s` as in case-insensitive comparisons elsewhere).
 * Emails, logins and UPNs are case-insensitive at every provider, and Okta also takes logins that
 * differ only in diacritical marks for the same login (`isáàc.bröck@example.com` is
 * `Isaac.Brock@example.com`: the `login` property in Okta's Management API description), so an
 * event naming that form reaches the protected user. Ids are compared the same way: a false match
 * can only refuse an action, never take one.
 */
export const normaliseUser = (s: string): string => s.normalize('NFKD').replace(/\p{Mn}/gu, '').trim().toUpperCase().toLowerCase();

export function identityGuard<A extends string>(name: string, settings: GuardSettings, reversals: readonly A[]) {
  const protectedUsers = new Set(settings.protect.map(normaliseUser));
  const key = limitKey(name);
  /** `eventKey`: what identifies the event (its source and id), so a redelivery is not counted again. */
  return async (planned: A | A[], userId: string, deps: Deps, log: Logger, eventKey = ''): Promise<void> => {
    const actions = Array.isArray(planned) ? planned : [planned];
    if (protectedUsers.has(normaliseUser(userId))) {
      log.warn('identity action refused: user is protected', { user: userId, actions });
      deps.metrics.count('identity.action.refused', 1, { destination: name, reason: 'protected' });
      throw new AppError('identity_user_protected', `Destination ${name}: user ${userId} is in protect; no action (${actions.join(', ')}) taken`, {
        status: 403, retryable: false, expose: false,
      });
    }
    const counted = disruptive(planned, reversals);
    if (settings.limit === false || counted.length === 0) return;
    const limit = settings.limit;
    const token = eventKey === '' ? '' : createHash('sha256').update(JSON.stringify([eventKey, normaliseUser(userId), counted])).digest('base64url').slice(0, 22);
    const r = await reserve(deps.store, deps.clock, key, limit, counted.length, token);
    if (r.ok) return;
    const retryAt = new Date(r.retryAt).toISOString();
    // An error, not a warning: a flood of suspensions is an incident until someone has looked.
    log.error('identity action refused: limit reached', { user: userId, actions, counted: r.count, limit: limit.actions, perSeconds: limit.perSeconds, retryAt });
    deps.metrics.count('identity.action.refused', 1, { destination: name, reason: 'limited' });
    throw new AppError('identity_action_limited',
      `Destination ${name}: ${counted.join(', ')} on user ${userId} would exceed limit (${limit.actions} disruptive actions per ${limit.perSeconds} s); `
      + `no action taken. Review, then replay after ${retryAt} or raise the limit`,
      { status: 429, retryable: false, expose: false, extra: { retryAt } });
  };
}
