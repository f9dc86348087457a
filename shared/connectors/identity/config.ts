import * as z from 'zod/mini';
import { templateProblems } from '../template';

/**
 * Settings every identity action destination shares (okta, entra, auth0): which user an event
 * names, which action each event type triggers, which event origins may trigger one, and the
 * blast-radius guard (`protect`, `limit`: guard.ts).
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

/**
 * The default cap: 50 disruptive actions an hour per destination. Far above what responders do to
 * one directory in an hour, far below a misrouted stream (a first identity sync reports every user
 * as created): such a mistake suspends at most 50 people before the refusals page someone.
 */
export const DEFAULT_LIMIT = { actions: 50, perSeconds: 3600 };

const limitSchema = z.strictObject({
  /** At most this many disruptive actions in any window of `perSeconds` (the window slides). */
  actions: z.number().check(z.int(), z.positive(), z.lte(1000)),
  perSeconds: z.number().check(z.int(), z.positive(), z.lte(7 * 24 * 3600)),
});
export type ActionLimit = z.output<typeof limitSchema>;

/** One identifier as the `user` template yields it: an id, a login, an email or a UPN. */
const protectedUser = z.string().check(z.maxLength(512), z.refine((s) => s.trim() !== '', 'must not be blank'));

export const identityActionFields = {
  /**
   * Where the user's identifier is in the event. The identity sync events carry it in
   * `data.user.uid`; mapped IAM events in `data.actor.user.uid` or `data.user.email_addr`.
   */
  user: userTemplate('{{ data.user.uid }}'),
  /** Act on events submitted through POST /events (origin `api:<key id>`) too; off by default. */
  allowApiOrigin: z._default(z.boolean(), false),
  /**
   * Cloud findings and scanner reports acted on too, each an exact origin: `eventbridge:<source>`
   * (cloud-findings on AWS: `eventbridge:aws.guardduty`, `eventbridge:aws.securityhub`) or
   * `storage:<bucket>` (storage-ingest). Empty by default: their senders are whoever IAM lets
   * put events on the bus or objects in the bucket, not a verified signature.
   */
  allowOrigins: z._default(z.array(z.string().check(z.regex(/^(eventbridge|storage):[^\s]{1,256}$/, 'must be eventbridge:<source> or storage:<bucket>'))).check(z.maxLength(50)), []),
  /** Users never acted on (break-glass admins, service accounts), compared as guard.ts normalises them. */
  protect: z._default(z.array(protectedUser).check(z.maxLength(1000)), []),
  /** The cap on disruptive actions; `false` turns it off. Reversals are never counted. */
  limit: z._default(z.union([z.literal(false), limitSchema]), DEFAULT_LIMIT),
};

/**
 * A check for the provider schemas: every event type's disruptive actions must fit in the cap,
 * or that event could never pass it (a list of 2 under `actions: 1` would be refused forever).
 */
export function limitFitsActions<A extends string>(reversals: readonly A[]) {
  return z.refine<{ on: Record<string, A | A[]>; limit: ActionLimit | false }>(
    (c) =>
      c.limit === false || Object.values(c.on).every((p) => disruptive(p, reversals).length <= (c.limit as ActionLimit).actions),
    { message: 'an event type in "on" has more disruptive actions than limit.actions allows', path: ['limit', 'actions'] },
  );
}

/** The planned actions that count against the cap: every one that is not a reversal. */
export const disruptive = <A extends string>(planned: A | A[], reversals: readonly A[]): A[] =>
  (Array.isArray(planned) ? planned : [planned]).filter((a) => !reversals.includes(a));
