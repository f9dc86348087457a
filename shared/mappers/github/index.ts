/**
 * The GitHub mapper: code scanning, secret scanning and Dependabot alert webhooks become OCSF
 * findings; anything else (ping, push, malformed bodies) returns undefined and is published as
 * secorch.webhook.received by the caller.
 */
import { num, obj, str } from '../read';
import type { MappedEvent, Mapper } from '../types';
import { mapCodeScanning } from './code-scanning';
import type { AlertContext, GithubKind } from './common';
import { mapDependabot } from './dependabot';
import { mapSecretScanning } from './secret-scanning';

export { findingUid, type GithubKind } from './common';

const KINDS: Record<GithubKind, (ctx: AlertContext) => MappedEvent> = {
  code_scanning_alert: mapCodeScanning,
  secret_scanning_alert: mapSecretScanning,
  dependabot_alert: mapDependabot,
};

const isKind = (event: string): event is GithubKind => Object.hasOwn(KINDS, event);

/**
 * Without an X-GitHub-Event header (a payload replayed from a queue or a file), the alert's own
 * fields tell the kinds apart: only Dependabot alerts carry an advisory, only secret scanning
 * alerts a secret type, only code scanning alerts a rule and tool.
 */
function inferKind(alert: Record<string, unknown>): GithubKind | undefined {
  if (obj(alert.security_advisory) || obj(alert.security_vulnerability) || obj(alert.dependency)) return 'dependabot_alert';
  if (str(alert.secret_type)) return 'secret_scanning_alert';
  if (obj(alert.rule) || obj(alert.tool)) return 'code_scanning_alert';
  return undefined;
}

export const githubMapper: Mapper = (input) => {
  const payload = obj(input.payload);
  const alert = obj(payload?.alert);
  const repository = obj(payload?.repository);
  if (payload === undefined || alert === undefined || repository === undefined) return undefined;
  const kind = input.event === undefined ? inferKind(alert) : isKind(input.event) ? input.event : undefined;
  const fullName = str(repository.full_name);
  const number = num(alert.number);
  // The finding uid needs both; without them the alert cannot be tracked across its life.
  if (kind === undefined || fullName === undefined || number === undefined || !Number.isSafeInteger(number)) return undefined;
  const action = typeof payload.action === 'string' ? payload.action : '';
  return KINDS[kind]({ kind, action, alert, repository, fullName, number, payload, input });
};
