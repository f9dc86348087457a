import { AppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import { render } from '../template';
import { segmentProblem } from '../url';
import { type GuardSettings, identityGuard } from './guard';

/**
 * The guard and dispatcher of identity action destinations. Suspending or disabling an account is
 * dangerous, so a destination acts only on events whose `origin` the server stamped from a verified
 * source (`webhook:<source>` after signature verification, or `schedule:<name>`); events submitted
 * through the API (`api:<key id>`) only when the destination allows them, and cloud findings
 * (`eventbridge:<source>`) or scanner reports (`storage:<bucket>`) only when `allowOrigins` names
 * that exact origin: who can put events on an account's bus or objects in a bucket is IAM's to say,
 * not a signature's, so trusting them is the operator's call. The user comes from a
 * template over the event and must resolve to a value a request path can carry. Then the
 * blast-radius guard (guard.ts) may refuse the user (`protect`) or the volume (`limit`), before
 * any request to the provider. Every action is logged with the user id, never a token.
 */
export interface IdentityActionSettings<A extends string> extends GuardSettings {
  user: string;
  on: Record<string, A | A[]>;
  allowApiOrigin: boolean;
  /** Further origins acted on, exactly as stamped (`eventbridge:aws.guardduty`, `storage:reports`). */
  allowOrigins?: readonly string[];
}

/** `done` when the vendor changed something, `unchanged` when the user already was in that state. */
export type ActionOutcome = 'done' | 'unchanged';
export type Perform<A extends string> = (action: A, userId: string, deps: Deps) => Promise<ActionOutcome>;

const refused = (name: string, why: string) =>
  new AppError('identity_action_refused', `Destination ${name} refused the event: ${why}`, { status: 403, retryable: false, expose: false });

const ORIGIN = /^(webhook|schedule|api):(.+)$/;

export function originAllowed(origin: unknown, allowApi: boolean, allowOrigins: readonly string[] = []): boolean {
  if (typeof origin !== 'string') return false;
  const m = ORIGIN.exec(origin);
  if (m === null) return allowOrigins.includes(origin);
  return m[1] !== 'api' || allowApi;
}

/** The user identifier the event names, as text; undefined when the template finds nothing usable. */
export function userOf(template: string, event: CloudEvent): string | undefined {
  const v = render(template, event);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The action(s) `on` maps an event type to, or undefined. The type is the event's, whatever its
 * sender chose: only `on`'s own keys count, so `constructor`, `toString` or `__proto__` (members
 * every object inherits) map to nothing rather than to a function taken for an action.
 */
export const plannedFor = <A extends string>(on: Record<string, A | A[]>, type: string): A | A[] | undefined =>
  (Object.hasOwn(on, type) ? on[type] : undefined);

/** `reversals`: the provider's undoing actions (unsuspend, unblock), which the cap never counts. */
export function identityActions<A extends string>(name: string, settings: IdentityActionSettings<A>, perform: Perform<A>, reversals: readonly A[]) {
  const guard = identityGuard(name, settings, reversals);
  return async (event: CloudEvent, deps: Deps): Promise<void> => {
    const planned = plannedFor(settings.on, event.type);
    const log = deps.logger.child({ destination: name, eventId: event.id, eventType: event.type });
    if (planned === undefined) {
      log.debug('identity destination: no action for this event type');
      return;
    }
    if (!originAllowed(event.origin, settings.allowApiOrigin, settings.allowOrigins)) {
      log.warn('identity action refused: origin not verified', { origin: event.origin ?? null });
      throw refused(name, `origin ${JSON.stringify(event.origin ?? null)} is not a verified source (webhook:* or schedule:*) nor in allowOrigins`);
    }
    const userId = userOf(settings.user, event);
    if (userId === undefined) {
      log.warn('identity action refused: no user in the event', { template: settings.user });
      throw new AppError('identity_user_unresolved', `Destination ${name}: the template ${settings.user} names no user in this event`, { status: 422, retryable: false, expose: false });
    }
    // Every provider puts the user in a request path: a value no path can carry is refused here,
    // before the guard counts the action against the limit, rather than by the request after it.
    const problem = segmentProblem(userId);
    if (problem !== undefined) {
      log.warn('identity action refused: the user cannot be named in a request', { template: settings.user, problem });
      throw new AppError('template_refused', `Destination ${name}: the template ${settings.user} ${problem} for this event; no action taken`, { status: 422, retryable: false, expose: false });
    }
    await guard(planned, userId, deps, log, JSON.stringify([event.source, event.id]));
    for (const action of Array.isArray(planned) ? planned : [planned]) {
      const outcome = await perform(action, userId, deps);
      log.info('identity action', { action, user: userId, outcome, origin: event.origin });
      deps.metrics.count('identity.action', 1, { destination: name, action, outcome });
    }
  };
}
