/**
 * dependabot_alert -> Vulnerability Finding (https://schema.ocsf.io/1.3.0/classes/vulnerability_finding).
 * Payload: https://docs.github.com/en/webhooks/webhook-events-and-payloads#dependabot_alert
 * Alert object: https://docs.github.com/en/rest/dependabot/alerts#get-a-dependabot-alert
 */
import { FINDING_CLASS, severityFromWord, type ResourceDetails, type SeverityId, type StatusId } from '../ocsf';
import { compact, lookup, obj, str } from '../read';
import type { MappedEvent } from '../types';
import { assemble, transitionFor, type AlertContext } from './common';
import { vulnerability } from './dependabot-vulnerability';

/**
 * Closing actions: fixed (the dependency was upgraded), dismissed by a user, auto_dismissed by an
 * auto-triage rule. reopened, auto_reopened, reintroduced and assignees_changed leave it open.
 */
const CLOSE_ACTIONS: ReadonlySet<string> = new Set(['fixed', 'dismissed', 'auto_dismissed']);

const STATE_AFTER: Record<string, string> = {
  created: 'open', reopened: 'open', auto_reopened: 'open', reintroduced: 'open',
  fixed: 'fixed', dismissed: 'dismissed', auto_dismissed: 'auto_dismissed',
};

function status(ctx: AlertContext): { statusId: StatusId; statusDetail?: string } {
  const state = str(ctx.alert.state) ?? lookup(STATE_AFTER, ctx.action);
  if (state === 'open') return { statusId: 1 };
  // Dismissal reasons: fix_started, inaccurate, no_bandwidth, not_used, tolerable_risk.
  if (state === 'dismissed') return { statusId: 3, statusDetail: str(ctx.alert.dismissed_reason) };
  if (state === 'auto_dismissed') return { statusId: 3, statusDetail: 'auto_dismissed' };
  if (state === 'fixed') return { statusId: 4 };
  return { statusId: 0 };
}

/** GitHub advisory severities are low / medium / high / critical ("moderate" in older data). */
function severity(ctx: AlertContext): SeverityId {
  const advisory = obj(ctx.alert.security_advisory);
  const vuln = obj(ctx.alert.security_vulnerability);
  return severityFromWord(advisory?.severity) ?? severityFromWord(vuln?.severity) ?? 0;
}

/** The manifest that pulls the dependency in: where the fix lands. */
function manifestResource(ctx: AlertContext): ResourceDetails | undefined {
  const dependency = obj(ctx.alert.dependency);
  const path = str(dependency?.manifest_path);
  if (path === undefined) return undefined;
  return {
    type: 'file',
    uid: `${ctx.fullName}:${path}`,
    name: path,
    data: compact({ dependency_scope: str(dependency?.scope), relationship: str(dependency?.relationship) }),
  };
}

export function mapDependabot(ctx: AlertContext): MappedEvent {
  const advisory = obj(ctx.alert.security_advisory);
  const packageName = str(obj(obj(ctx.alert.dependency)?.package)?.name);
  const severityId = severity(ctx);
  const manifest = manifestResource(ctx);
  const st = status(ctx);
  return assemble(ctx, {
    cls: FINDING_CLASS.vulnerability,
    transition: transitionFor(ctx.action, CLOSE_ACTIONS, ctx.alert, st.statusId),
    severityId,
    ...st,
    product: { name: 'GitHub Dependabot', vendor_name: 'GitHub' },
    finding_info: compact({
      title: str(advisory?.summary) ?? (packageName ? `Vulnerable dependency: ${packageName}` : `Dependabot alert ${ctx.number}`),
      desc: str(advisory?.description)?.trim(),
    }),
    resources: manifest === undefined ? [] : [manifest],
    vulnerabilities: [vulnerability(ctx.alert, severityId)],
  });
}
