/**
 * code_scanning_alert -> Detection Finding (https://schema.ocsf.io/1.3.0/classes/detection_finding).
 * Payload: https://docs.github.com/en/webhooks/webhook-events-and-payloads#code_scanning_alert
 * Alert object: https://docs.github.com/en/rest/code-scanning/code-scanning#get-a-code-scanning-alert
 */
import { FINDING_CLASS, severityFromWord, type ResourceDetails, type SeverityId, type StatusId } from '../ocsf';
import { arr, compact, lookup, num, obj, str, strings, type Json } from '../read';
import type { MappedEvent } from '../types';
import { assemble, transitionFor, type AlertContext } from './common';

/** Actions that close the alert: fixed by a commit, or dismissed by a user. */
const CLOSE_ACTIONS: ReadonlySet<string> = new Set(['fixed', 'closed_by_user']);

/**
 * `rule.severity` is the SARIF-style level GitHub shows as Error / Warning / Note; it is the only
 * severity of non-security queries. Error -> High, Warning -> Medium, Note -> Low mirrors how
 * SARIF levels are commonly ranked; `none` carries no risk.
 */
const RULE_SEVERITY: Record<string, SeverityId> = { error: 4, warning: 3, note: 2, none: 1 };

/** The alert state an action leaves behind, for payloads that omit `state`. */
const STATE_AFTER: Record<string, string> = {
  created: 'open', reopened: 'open', reopened_by_user: 'open', appeared_in_branch: 'open',
  fixed: 'fixed', closed_by_user: 'dismissed',
};

/**
 * States: open, dismissed (by a user, with a reason such as "false positive"), fixed; `closed`
 * is the older name of fixed.
 */
function status(ctx: AlertContext): { statusId: StatusId; statusDetail?: string } {
  const state = str(ctx.alert.state) ?? lookup(STATE_AFTER, ctx.action);
  if (state === 'open') return { statusId: 1 };
  if (state === 'dismissed') return { statusId: 3, statusDetail: str(ctx.alert.dismissed_reason) };
  if (state === 'fixed' || state === 'closed') return { statusId: 4 };
  return { statusId: 0 };
}

/** `security_severity_level` (from the rule's CVSS score) when present; else the rule level. */
function severity(rule: Json | undefined): SeverityId {
  return severityFromWord(rule?.security_severity_level) ?? lookup(RULE_SEVERITY, rule?.severity) ?? 0;
}

/** Where the alert was last seen: `most_recent_instance`, or the first listed instance. */
function locationResource(ctx: AlertContext): ResourceDetails | undefined {
  const instance = obj(ctx.alert.most_recent_instance) ?? obj(arr(ctx.alert.instances)[0]);
  const location = obj(instance?.location);
  const path = str(location?.path);
  if (instance === undefined || path === undefined) return undefined;
  return {
    type: 'file',
    uid: `${ctx.fullName}:${path}`,
    name: path,
    data: compact({
      ref: str(instance.ref),
      commit_sha: str(instance.commit_sha),
      start_line: num(location?.start_line),
      end_line: num(location?.end_line),
      start_column: num(location?.start_column),
      end_column: num(location?.end_column),
    }),
  };
}

export function mapCodeScanning(ctx: AlertContext): MappedEvent {
  const rule = obj(ctx.alert.rule);
  const tool = obj(ctx.alert.tool);
  const ruleId = str(rule?.id);
  const toolName = str(tool?.name);
  const location = locationResource(ctx);
  // ref and commit_oid say where this activity happened; GitHub leaves them empty for user actions.
  const unmapped = compact({ ref: str(ctx.payload.ref), commit_oid: str(ctx.payload.commit_oid) });
  const st = status(ctx);
  return assemble(ctx, {
    cls: FINDING_CLASS.detection,
    transition: transitionFor(ctx.action, CLOSE_ACTIONS, ctx.alert, st.statusId),
    severityId: severity(rule),
    ...st,
    product: compact({
      name: 'GitHub Code Scanning',
      vendor_name: 'GitHub',
      feature: toolName === undefined ? undefined : compact({ name: toolName, version: str(tool?.version) }),
    }),
    finding_info: compact({
      title: str(rule?.description) ?? str(rule?.name) ?? ruleId ?? `Code scanning alert ${ctx.number}`,
      desc: str(rule?.full_description),
      types: strings(rule?.tags),
      analytic: ruleId === undefined ? undefined : { uid: ruleId, name: str(rule?.name) ?? ruleId, type_id: 1, type: 'Rule' },
    }),
    resources: location === undefined ? [] : [location],
    unmapped: Object.keys(unmapped).length > 0 ? unmapped : undefined,
  });
}
