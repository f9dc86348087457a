import * as z from 'zod/mini';
import { templateProblems } from '../template';

/**
 * Settings every identity action destination shares (okta, entra, auth0): which user an event
 * names, which action each event type triggers, and which event origins may trigger one.
 */
const EVENT_TYPE = /^[A-Za-z0-9._-]{1,200}$/;

/** A `{{ path }}` template that must read at least one field of the event. */
export const userTemplate = (fallback: string) =>
  z._default(
    z.string().check(
      z.minLength(1),
      z.refine((t) => templateProblems(t).length === 0 && /\{\{.+\}\}/.test(t), 'must be a template such as "{{ data.user.uid }}"'),
    ),
    fallback,
  );

/**
 * `on: { "<event type>": action }`, or a list of actions run in order. Empty by default: such a
 * destination acts on no event and serves as the connection of an identity-sync schedule.
 */
export function actionMap<A extends string>(actions: readonly [A, ...A[]]) {
  const action = z.enum(actions);
  return z._default(z.record(z.string().check(z.regex(EVENT_TYPE)), z.union([action, z.array(action).check(z.minLength(1))])), {});
}

export const identityActionFields = {
  /**
   * Where the user's identifier is in the event. The identity sync events carry it in
   * `data.user.uid`; mapped IAM events in `data.actor.user.uid` or `data.user.email_addr`.
   */
  user: userTemplate('{{ data.user.uid }}'),
  /** Act on events submitted through POST /events (origin `api:<key id>`) too; off by default. */
  allowApiOrigin: z._default(z.boolean(), false),
};
