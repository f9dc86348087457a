/**
 * What the three GitHub security-alert events share: the alert context, the stable finding uid,
 * the repository resource, event times and the final assembly into a MappedEvent.
 * Webhook reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */
import { buildFinding, OCSF_VERSION, type FindingParts, type Product, type ResourceDetails, type StatusId } from '../ocsf';
import { bool, compact, epochMs, lookup, num, obj, str, type Json } from '../read';
import { TRANSITION_EVENT_TYPES, type FindingTransition, type MappedEvent, type MapperInput } from '../types';

export type GithubKind = 'code_scanning_alert' | 'secret_scanning_alert' | 'dependabot_alert';

/** A payload that passed the shape checks: an alert with a number, in a named repository. */
export interface AlertContext {
  kind: GithubKind;
  /** The payload's `action`; empty when absent (treated as an unknown action). */
  action: string;
  alert: Json;
  repository: Json;
  /** `owner/name`: part of the finding uid. */
  fullName: string;
  number: number;
  payload: Json;
  input: MapperInput;
}

/** Stable for the alert's whole life: GitHub numbers alerts per repository and per kind. */
export const findingUid = (fullName: string, kind: GithubKind, number: number): string =>
  `github:${fullName}:${kind}:${number}`;

/** Finding status_ids of a closed alert: Suppressed (dismissed) and Resolved. */
const isClosed = (statusId: StatusId): boolean => statusId === 3 || statusId === 4;

/**
 * The close transition, unless the alert says it is still open: code scanning sends `fixed` when
 * a commit fixes the alert in one branch (docs: "fixed in a branch by a commit"), and an alert that
 * stays open elsewhere has not been resolved. Any other activity on an alert that is closed after
 * it (a validity check, an assignment, the alert appearing in another branch, an alert an
 * auto-triage rule dismissed as it was created) is resolved too, as on the AWS paths: published as
 * created or updated, it re-opened the finding downstream (a ticket made or re-opened, a PagerDuty
 * destination paging) for an alert nobody has to act on.
 */
export function transitionFor(action: string, closeActions: ReadonlySet<string>, alert: Json, statusId: StatusId): FindingTransition {
  if (closeActions.has(action) && alert.state !== 'open') return 'resolved';
  if (isClosed(statusId)) return 'resolved';
  return action === 'created' ? 'created' : 'updated';
}

/** The alert timestamp each closing action sets, per the payload schemas of octokit/webhooks. */
const CLOSE_TIMESTAMP: Record<string, string> = {
  fixed: 'fixed_at',
  closed_by_user: 'dismissed_at',
  dismissed: 'dismissed_at',
  auto_dismissed: 'auto_dismissed_at',
  resolved: 'resolved_at',
  revoked: 'resolved_at',
};

/**
 * The timestamp of this activity as the sender wrote it: creation for `created`, the closing
 * timestamp for a close, else `updated_at`. Never created_at for a later activity: that would
 * date a reopening years back.
 */
export function activityTimestamp(ctx: AlertContext, transition: FindingTransition): string | undefined {
  const { alert, action } = ctx;
  if (transition === 'created') return str(alert.created_at);
  const closeField = lookup(CLOSE_TIMESTAMP, action);
  const closed = transition === 'resolved' && closeField !== undefined ? str(alert[closeField]) : undefined;
  return closed ?? str(alert.updated_at);
}

/** The repository, named by full name (what people search for); GitHub's ids ride in `data`. */
export function repositoryResource(ctx: AlertContext): ResourceDetails {
  const repo = ctx.repository;
  const owner = obj(repo.owner);
  const ownerId = num(owner?.id);
  return compact({
    type: 'repository',
    uid: ctx.fullName,
    name: ctx.fullName,
    owner: owner && compact({ name: str(owner.login), uid: ownerId === undefined ? undefined : String(ownerId) }),
    data: compact({
      id: num(repo.id),
      node_id: str(repo.node_id),
      html_url: str(repo.html_url),
      private: bool(repo.private),
      visibility: str(repo.visibility),
    }),
  });
}

/** UI paths of alerts: https://github.com/<owner>/<repo>/security/<path>/<number>. */
const ALERT_PATH: Record<GithubKind, string> = {
  code_scanning_alert: 'code-scanning',
  secret_scanning_alert: 'secret-scanning',
  dependabot_alert: 'dependabot',
};

/** The alert's html_url; older secret scanning payloads omit it, so derive the documented UI URL. */
function alertUrl(ctx: AlertContext): string | undefined {
  const own = str(ctx.alert.html_url);
  if (own !== undefined) return own;
  const repoUrl = str(ctx.repository.html_url);
  return repoUrl?.startsWith('https://') ? `${repoUrl}/security/${ALERT_PATH[ctx.kind]}/${ctx.number}` : undefined;
}

export type KindParts = Omit<FindingParts, 'time' | 'metadata' | 'finding_info'> & {
  product: Product;
  finding_info: Omit<FindingParts['finding_info'], 'uid'>;
};

/** Adds what every GitHub finding carries (uid, times, URL, repository, metadata) and wraps it. */
export function assemble(ctx: AlertContext, parts: KindParts): MappedEvent {
  const { product, finding_info, resources = [], ...rest } = parts;
  const uid = findingUid(ctx.fullName, ctx.kind, ctx.number);
  const originalTime = activityTimestamp(ctx, parts.transition);
  const eventMs = epochMs(originalTime);
  const created = epochMs(ctx.alert.created_at);
  // The kind's parts last, not first: `{ ...rest, time, ... }` is slow on Node 20's V8 (each key
  // added to a spread copy costs about half a microsecond), and rest holds none of these keys.
  const data = buildFinding({
    time: eventMs ?? ctx.input.receivedAt,
    finding_info: compact({
      uid,
      ...finding_info,
      created_time: created,
      first_seen_time: created,
      modified_time: epochMs(ctx.alert.updated_at),
      src_url: alertUrl(ctx),
    }),
    resources: [repositoryResource(ctx), ...resources],
    metadata: compact({
      version: OCSF_VERSION,
      product,
      uid: str(ctx.input.deliveryId),
      event_code: ctx.action === '' ? ctx.kind : `${ctx.kind}.${ctx.action}`,
      original_time: eventMs === undefined ? undefined : originalTime,
      logged_time: ctx.input.receivedAt,
    }),
    ...rest,
  });
  return compact({
    type: TRANSITION_EVENT_TYPES[parts.transition],
    subject: uid,
    time: eventMs === undefined ? undefined : new Date(eventMs).toISOString(),
    data,
  });
}
