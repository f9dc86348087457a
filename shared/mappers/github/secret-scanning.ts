/**
 * secret_scanning_alert -> Detection Finding (https://schema.ocsf.io/1.3.0/classes/detection_finding).
 * Payload: https://docs.github.com/en/webhooks/webhook-events-and-payloads#secret_scanning_alert
 * Alert object: https://docs.github.com/en/rest/secret-scanning/secret-scanning#get-a-secret-scanning-alert
 * The secret itself is never copied: only fields named below reach the finding.
 */
import { FINDING_CLASS, type ResourceDetails, type SeverityId, type StatusId } from '../ocsf';
import { bool, compact, lookup, num, obj, str, type Json } from '../read';
import type { MappedEvent } from '../types';
import { assemble, transitionFor, type AlertContext } from './common';

/**
 * `resolved` closes the alert. `revoked` is the older action for the same thing: its payload
 * schema (octokit/webhooks secret_scanning_alert/revoked) requires resolution "revoked" and a
 * resolved_at, so the alert is closed, not merely updated. `validated` (validity changed),
 * `publicly_leaked`, `reopened`, `assigned`... leave it open.
 */
const CLOSE_ACTIONS: ReadonlySet<string> = new Set(['resolved', 'revoked']);

/** Actions that set the state. The others (validated, publicly_leaked, assigned, ...) leave it as it was. */
const STATE_AFTER: Record<string, string> = {
  created: 'open', reopened: 'open', resolved: 'resolved', revoked: 'resolved',
};

/**
 * Resolutions that say the secret is not a risk (suppressed) rather than dealt with. "revoked" is
 * the remediation; "wontfix" is the spelling of older payloads; pattern_* close alerts of a custom
 * pattern that was deleted or changed, without anyone fixing anything.
 */
const SUPPRESSING: ReadonlySet<string> = new Set([
  'false_positive', 'wont_fix', 'wontfix', 'used_in_tests', 'pattern_deleted', 'pattern_edited',
]);

/**
 * The alert's state after the event. The webhook's alert has no `state` field (octokit/webhooks
 * secret-scanning-alert-webhook: resolution, resolved_at and resolved_by only), so an action that
 * does not set the state is read from the resolution: a validity check or a public leak of a
 * revoked secret leaves it resolved, not open.
 */
const stateOf = (alert: Json, action: string): string =>
  str(alert.state) ?? lookup(STATE_AFTER, action) ?? (str(alert.resolution) !== undefined || str(alert.resolved_at) !== undefined ? 'resolved' : 'open');

function status(ctx: AlertContext): { statusId: StatusId; statusDetail?: string } {
  const state = stateOf(ctx.alert, ctx.action);
  const resolution = str(ctx.alert.resolution) ?? (ctx.action === 'revoked' ? 'revoked' : undefined);
  if (state === 'open') return { statusId: 1 };
  if (state === 'resolved') return { statusId: resolution && SUPPRESSING.has(resolution) ? 3 : 4, statusDetail: resolution };
  return { statusId: 0 };
}

/**
 * A leaked credential is High by default. Validity checks sharpen it: a secret the provider
 * confirms still works, or one GitHub found in a public place, is Critical; one the provider says
 * no longer works is Low (rotation hygiene, no live access).
 * https://docs.github.com/en/code-security/secret-scanning/managing-alerts-from-secret-scanning/evaluating-alerts
 */
function severity(ctx: AlertContext): SeverityId {
  const { alert } = ctx;
  if (alert.publicly_leaked === true || ctx.action === 'publicly_leaked' || alert.validity === 'active') return 5;
  if (alert.validity === 'inactive') return 2;
  return 4;
}

/** The first place the secret was found, when it is a file in a commit. */
function locationResource(ctx: AlertContext): ResourceDetails | undefined {
  const first = obj(ctx.alert.first_location_detected);
  const path = str(first?.path);
  if (first === undefined || path === undefined) return undefined;
  return {
    type: 'file',
    uid: `${ctx.fullName}:${path}`,
    name: path,
    data: compact({
      commit_sha: str(first.commit_sha),
      blob_sha: str(first.blob_sha),
      start_line: num(first.start_line),
      end_line: num(first.end_line),
      start_column: num(first.start_column),
      end_column: num(first.end_column),
    }),
  };
}

/** Facts a responder needs that OCSF has no attribute for. */
function unmapped(alert: Json): Json | undefined {
  const out = compact({
    validity: str(alert.validity),
    publicly_leaked: bool(alert.publicly_leaked),
    push_protection_bypassed: bool(alert.push_protection_bypassed),
    multi_repo: bool(alert.multi_repo),
  });
  return Object.keys(out).length > 0 ? out : undefined;
}

export function mapSecretScanning(ctx: AlertContext): MappedEvent {
  const secretType = str(ctx.alert.secret_type);
  const label = str(ctx.alert.secret_type_display_name) ?? secretType;
  const location = locationResource(ctx);
  const st = status(ctx);
  return assemble(ctx, {
    cls: FINDING_CLASS.detection,
    transition: transitionFor(ctx.action, CLOSE_ACTIONS, ctx.alert, st.statusId),
    severityId: severity(ctx),
    ...st,
    product: { name: 'GitHub Secret Scanning', vendor_name: 'GitHub' },
    finding_info: compact({
      title: label === undefined ? `Secret scanning alert ${ctx.number}` : `Exposed secret: ${label}`,
      analytic: secretType === undefined ? undefined : { uid: secretType, name: label, type_id: 1, type: 'Rule' },
    }),
    resources: location === undefined ? [] : [location],
    unmapped: unmapped(ctx.alert),
  });
}
