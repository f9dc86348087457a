/**
 * One SARIF result (3.27) -> one finding. Title: message.text, else the rule's message template
 * (3.11.7), with message.arguments filled in (3.11.5), else the rule id. Severity: the rule's
 * `security-severity` score when present (GitHub's convention; Trivy writes CRITICAL as level
 * `error` but 9.8 here, so the score is the finer signal), else result.level, which overrides
 * the rule's defaultConfiguration.level (3.27.10), else `warning` (the SARIF default); a result
 * whose kind is not `fail` (a passed or not applicable check) is informational. The rule is looked
 * up in the tool component the result cites (the driver, or an extension such as a CodeQL pack).
 * Class: Vulnerability Finding for CVE/GHSA rules or rules tagged `vulnerability` (Trivy),
 * Detection Finding otherwise.
 */
import { FINDING_CLASS, SEVERITY, type ResourceDetails, type SeverityId, type StatusId, type Vulnerability } from '../../mappers/ocsf';
import { arr, compact, lookup, num, obj, str, type Json } from '../../mappers/read';
import type { ReportFinding } from '../types';
import { reportFinding, severityFromScore, type ReportContext } from './finding';
import { productOf, ruleOf, type RuleInfo, type SarifRun } from './sarif-run';

/** SARIF levels as GitHub code scanning ranks them (shared/mappers/github/code-scanning.ts). */
const LEVEL_SEVERITY: Record<string, SeverityId> = { error: 4, warning: 3, note: 2, none: 1 };
const VULN_ID = /^(CVE-\d{4}-\d+|GHSA(-[0-9a-z]{4}){3})$/i;

/**
 * A message string (3.11.5): `{n}` is replaced by arguments[n] (3.11.11), `{{` and `}}` stand for
 * braces. This holds for message.text as for a rule's template; a placeholder without its
 * argument stays as written.
 */
const fill = (text: string, args: unknown[]): string =>
  text.replace(/\{\{|\}\}|\{(\d+)\}/g, (m, i: string | undefined) => (i === undefined ? m[0]! : typeof args[Number(i)] === 'string' ? (args[Number(i)] as string) : m));

function title(result: Json, rule: RuleInfo | undefined): string | undefined {
  const message = obj(result.message);
  const text = str(message?.text) ?? lookup(rule?.messages ?? {}, message?.id);
  return text === undefined ? undefined : fill(text, arr(message?.arguments));
}

/**
 * A result whose kind (3.27.9) is not `fail` (pass, notApplicable, informational, review, open)
 * is no failure: its level is `none` whatever the rule says (3.27.10), so neither the rule's
 * level nor its security-severity score applies.
 */
const NOT_FAILURES: ReadonlySet<unknown> = new Set(['pass', 'notApplicable', 'informational', 'review', 'open']);
// A kind SARIF does not define is read as the default, `fail`: no result is played down by mistake.
const isFailure = (result: Json): boolean => !NOT_FAILURES.has(result.kind);

function severity(result: Json, rule: RuleInfo | undefined): SeverityId {
  if (!isFailure(result)) return 1; // level none: informational
  return severityFromScore(obj(result.properties)?.['security-severity'] ?? rule?.securitySeverity)
    ?? lookup(LEVEL_SEVERITY, result.level ?? rule?.level ?? 'warning') ?? 0;
}

/**
 * Suppressions (3.35): Suppressed when one is accepted or has no status (3.35.3), In Progress
 * when one is only under review, else as if none; Resolved when the baseline says the result
 * is gone (baselineState `absent`, 3.27.24). An entry that is no suppression object (null, a
 * string) suppresses nothing: a Suppressed finding is published as resolved, which closes its ticket.
 */
function status(result: Json): { statusId: StatusId; statusDetail?: string } {
  const suppressions = arr(result.suppressions).map(obj).filter((s): s is Json => s !== undefined);
  const accepted = suppressions.find((s) => s.status === undefined || s.status === 'accepted');
  if (accepted !== undefined) return { statusId: 3, statusDetail: str(accepted.justification) ?? `suppressed ${str(accepted.kind) ?? ''}`.trim() };
  if (suppressions.some((s) => s.status === 'underReview')) return { statusId: 2, statusDetail: 'suppression under review' };
  if (result.baselineState === 'absent') return { statusId: 4, statusDetail: 'absent' };
  // The rule was evaluated and the code passed it, or it does not apply to this target and was
  // not evaluated (3.27.9): either way nothing is open.
  if (result.kind === 'pass' || result.kind === 'notApplicable') return { statusId: 4, statusDetail: result.kind };
  return { statusId: 1 };
}

interface Where { uri?: string; region: Json; resource?: ResourceDetails; logical?: string }

/**
 * locations[0].logicalLocations[0] (3.28.4, 3.33): the type or method a result is in, by its
 * fully qualified name, else its name. What locates a result that has no file (a .NET analyzer's
 * member, a binary scanner's function); an index into run.logicalLocations alone is not kept.
 */
function logicalOf(location: Json | undefined): string | undefined {
  const logical = obj(arr(location?.logicalLocations)[0]);
  return str(logical?.fullyQualifiedName) ?? str(logical?.name) ?? str(logical?.decoratedName);
}

const locationOf = (result: Json): Json | undefined => obj(arr(result.locations)[0]);

/**
 * Whether the result's file is given by artifact index alone (3.4.5): where() reads its URI from
 * the run's artifacts, which must be read first (sarif-awaiting.ts).
 */
export function citesArtifactByIndex(result: Json): boolean {
  const artifact = obj(obj(locationOf(result)?.physicalLocation)?.artifactLocation);
  return str(artifact?.uri) === undefined && num(artifact?.index) !== undefined;
}

/** locations[0].physicalLocation (3.29): the file (by uri or artifact index) and its region. */
function where(run: SarifRun, result: Json): Where {
  const location = locationOf(result);
  const physical = obj(location?.physicalLocation);
  const artifact = obj(physical?.artifactLocation);
  const index = num(artifact?.index);
  const uri = str(artifact?.uri) ?? (index === undefined ? undefined : run.artifacts[index]);
  const r = obj(physical?.region) ?? {};
  const region = compact({
    start_line: num(r.startLine), end_line: num(r.endLine), start_column: num(r.startColumn), end_column: num(r.endColumn),
    char_offset: num(r.charOffset), byte_offset: num(r.byteOffset), artifact_index: uri === undefined ? index : undefined,
  });
  const resource = uri === undefined && index === undefined ? undefined : compact({ type: 'file', uid: uri, name: uri, data: region });
  return { uri, region, resource, logical: logicalOf(location) };
}

const fingerprintEntries = (v: unknown): string =>
  Object.entries(obj(v) ?? {}).filter(([, x]) => typeof x === 'string').sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${k}=${String(x)}`).join('|');

/**
 * fingerprints (3.27.16), else partialFingerprints (3.27.17) with the file, else rule + location
 * + message. Partial fingerprints are only contributions (3.27.17): CodeQL's
 * primaryLocationLineHash hashes the text around the line, not the file's path, so the same code
 * in two files would otherwise be one finding. The line is left out, so an edit above a result
 * keeps its uid. A result without a file is located by its logical location, if any: the same
 * message in two methods is two findings. Only there: a file location tells results apart, so the
 * uid of a result in a file does not depend on the method a tool names beside it.
 */
function fingerprintOf(result: Json, ruleId: string | undefined, at: Where, message: string | undefined): string {
  const full = fingerprintEntries(result.fingerprints);
  if (full !== '') return `${ruleId ?? ''}|${full}`;
  const partial = fingerprintEntries(result.partialFingerprints);
  if (partial !== '') return `${ruleId ?? ''}|${partial}|${at.uri ?? at.region.artifact_index ?? ''}`;
  const r = at.region;
  const parts = [ruleId, at.uri, r.artifact_index, r.start_line, r.start_column, r.end_line, r.char_offset, r.byte_offset, message];
  if (at.resource === undefined && at.logical !== undefined) parts.push(at.logical);
  return parts.map((p) => (p === undefined ? '' : String(p))).join('|');
}

/** Trivy writes the package into the message ("Package: x\nInstalled Version: y\nFixed Version: z"). */
function vulnerability(ruleId: string | undefined, rule: RuleInfo | undefined, message: string | undefined, sev: SeverityId): Vulnerability {
  const line = (label: string) => str(new RegExp(`^${label}: (.+)$`, 'm').exec(message ?? '')?.[1]?.trim());
  const name = line('Package');
  const version = line('Installed Version');
  const fixed = line('Fixed Version');
  const isCve = ruleId !== undefined && /^CVE-/i.test(ruleId);
  return compact({
    title: rule?.short ?? ruleId,
    desc: rule?.full,
    severity: SEVERITY[sev],
    cve: isCve ? compact({ uid: ruleId!, title: rule?.short }) : undefined,
    affected_packages: name !== undefined && version !== undefined ? [compact({ name, version, fixed_in_version: fixed })] : undefined,
    is_fix_available: name === undefined ? undefined : fixed !== undefined,
    references: rule?.helpUri === undefined ? undefined : [rule.helpUri],
  });
}

export function mapSarifResult(ctx: ReportContext, run: SarifRun, result: Json, pointer: string): ReportFinding {
  const ruleObj = obj(result.rule);
  const rule = ruleOf(run, result, str(result.ruleId) ?? str(ruleObj?.id));
  const ruleId = str(result.ruleId) ?? str(ruleObj?.id) ?? rule?.id;
  const message = title(result, rule);
  const at = where(run, result);
  const sev = severity(result, rule);
  const isVuln = (ruleId !== undefined && VULN_ID.test(ruleId)) || rule?.tags?.includes('vulnerability') === true;
  const tool = str(run.driver.name) ?? '';
  return reportFinding(ctx, {
    family: 'sarif',
    scope: tool,
    fingerprint: fingerprintOf(result, ruleId, at, message),
    pointer,
    product: productOf(run),
    eventCode: 'sarif.result',
    cls: isVuln ? FINDING_CLASS.vulnerability : FINDING_CLASS.detection,
    severityId: sev,
    ...status(result),
    finding_info: compact({
      title: message ?? ruleId ?? 'SARIF result',
      desc: rule?.full ?? rule?.short,
      types: rule?.tags,
      analytic: ruleId === undefined ? undefined : compact({ uid: ruleId, name: rule?.name ?? ruleId, type_id: 1, type: 'Rule', desc: rule?.short }),
      src_url: rule?.helpUri,
    }),
    resources: at.resource === undefined ? undefined : [at.resource],
    vulnerabilities: isVuln ? [vulnerability(ruleId, rule, message, sev)] : undefined,
    remediation: rule?.helpText === undefined ? undefined : compact({ desc: rule.helpText, references: rule.helpUri === undefined ? undefined : [rule.helpUri] }),
    unmapped: compact({ level: str(result.level) ?? rule?.level, kind: str(result.kind), guid: str(result.guid) }),
  });
}
