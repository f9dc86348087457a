/**
 * The generic finding shape of JSON Lines and CSV reports: a flat record with a few documented
 * fields. Field names are matched case-insensitively, ignoring `_`, `-`, `.` and spaces, and
 * each has aliases (ALIASES below has the full list):
 *   title*       title | name | summary | message
 *   rule*        rule | rule_id | check | check_id | test_id | plugin_id | policy
 *   severity     severity | level | risk: a word (critical, high, medium, moderate, low, info, none,
 *                and the SARIF levels error, warning, note) or a 0-10 score
 *   id           the scanner's id for the finding (id | finding_id | uid; in CSV a bare `id` column
 *                names the rule unless another column does, csv-header.ts); fingerprint | hash: its
 *                stable fingerprint
 *   description  description | desc | details
 *   resource     resource | target | asset | artifact | component | host | image (JSONL: a string or
 *                { type, id, name })
 *   file, line, end_line, column   file | path | uri, line | start_line (JSONL: `location`, a string
 *                "path:line" or { path, line, end_line, column })
 *   cve, package, version, fixed_version   make it a Vulnerability Finding
 *   url, tool, status (open | in_progress | suppressed | resolved ...), time (RFC 3339)
 * (* one of title, rule or cve is required). Other fields ride in `unmapped.fields`.
 */
import { FINDING_CLASS, type ResourceDetails, type SeverityId, type StatusId } from '../../mappers/ocsf';
import { severityFromWord } from '../../mappers/ocsf';
import { compact, lookup, num, obj, str, type Json } from '../../mappers/read';
import { ReportError, type ReportFinding } from '../types';
import { reportFinding, severityFromScore, type ReportContext } from './finding';
import { checkGeneric } from './generic-schema';

const ALIASES: Record<string, string[]> = {
  title: ['title', 'name', 'summary', 'message', 'findingtitle'],
  rule: ['rule', 'ruleid', 'check', 'checkid', 'testid', 'pluginid', 'policy'],
  severity: ['severity', 'level', 'risk', 'sev'],
  id: ['id', 'findingid', 'uid'],
  fingerprint: ['fingerprint', 'hash', 'dedupkey'],
  description: ['description', 'desc', 'details'],
  resource: ['resource', 'target', 'asset', 'artifact', 'component', 'host', 'image'],
  file: ['file', 'path', 'filename', 'filepath', 'uri'],
  line: ['line', 'linenumber', 'startline', 'lineno'],
  end_line: ['endline'],
  column: ['column', 'startcolumn', 'col'],
  location: ['location'],
  cve: ['cve', 'cveid', 'vulnerabilityid', 'vulnid'],
  package: ['package', 'pkg', 'pkgname', 'packagename'],
  version: ['version', 'installedversion', 'pkgversion'],
  fixed_version: ['fixedversion', 'fixedin', 'fixversion'],
  url: ['url', 'link', 'reference', 'helpuri', 'moreinfo'],
  tool: ['tool', 'scanner', 'source', 'toolname'],
  status: ['status', 'state'],
  time: ['time', 'timestamp', 'createdat', 'detectedat', 'date'],
};
const CANONICAL = new Map(Object.entries(ALIASES).flatMap(([field, names]) => names.map((n) => [n, field] as const)));

/** The generic field a column or key names, if any. */
export const canonicalField = (name: string): string | undefined => CANONICAL.get(name.toLowerCase().replace(/[\s_.-]/g, ''));

/** SARIF levels are accepted as words too (same ranking as the SARIF parser). */
const LEVELS: Record<string, SeverityId> = { error: 4, warning: 3, note: 2, none: 1 };
const STATUS: Record<string, StatusId> = {
  open: 1, new: 1, active: 1, inprogress: 2, triaged: 2, suppressed: 3, ignored: 3, dismissed: 3, falsepositive: 3,
  resolved: 4, fixed: 4, closed: 4,
};

/**
 * Keys renamed to their generic field; unknown keys kept as they are, first name wins. Own keys
 * only, and defined rather than assigned: `in` would see Object.prototype's `constructor` or
 * `toString` and drop such columns, and assigning `__proto__` would replace the record's prototype.
 */
export function normalizeRecord(input: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || v === null || v === '') continue;
    const field = canonicalField(k) ?? k;
    if (!Object.hasOwn(out, field)) Object.defineProperty(out, field, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const scalar = (v: unknown): string | undefined => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : str(v));
const int = (v: unknown): number | undefined => num(v) ?? (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const key = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase().replace(/[\s_.-]/g, '') : '');

function where(r: Json): { file?: string; line?: number; end_line?: number; column?: number } {
  const loc = r.location;
  const fromString = typeof loc === 'string' ? /^(.*?)(?::(\d+))?$/.exec(loc) : null;
  const o = obj(loc) ?? {};
  return compact({
    file: str(r.file) ?? fromString?.[1] ?? str(o.path) ?? str(o.file) ?? str(o.uri),
    line: int(r.line) ?? int(fromString?.[2]) ?? int(o.line) ?? int(o.start_line) ?? int(o.startLine),
    end_line: int(r.end_line) ?? int(o.end_line) ?? int(o.endLine),
    column: int(r.column) ?? int(o.column),
  });
}

function resourceOf(r: Json): ResourceDetails | undefined {
  const o = obj(r.resource);
  if (o !== undefined) return compact({ type: str(o.type) ?? 'resource', uid: scalar(o.id) ?? scalar(o.uid), name: str(o.name) ?? scalar(o.id) });
  const name = scalar(r.resource);
  return name === undefined ? undefined : { type: 'resource', uid: name, name };
}

const KNOWN = new Set([...Object.keys(ALIASES)]);

/** One generic record (already normalized) -> a finding; report_invalid when it names nothing. */
export function mapGeneric(ctx: ReportContext, r: Json, pointer: string): ReportFinding {
  checkGeneric(r, ctx.format, pointer);
  const title = scalar(r.title);
  const rule = scalar(r.rule);
  const cve = scalar(r.cve);
  if (title === undefined && rule === undefined && cve === undefined) {
    throw new ReportError('report_invalid', 'A finding needs a title, a rule or a cve', ctx.format, pointer);
  }
  const at = where(r);
  const tool = scalar(r.tool);
  const pkg = scalar(r.package);
  const version = scalar(r.version);
  const fixed = scalar(r.fixed_version);
  const resource = resourceOf(r);
  const file: ResourceDetails | undefined = at.file === undefined ? undefined : { type: 'file', uid: at.file, name: at.file, data: compact({ start_line: at.line, end_line: at.end_line, start_column: at.column }) };
  const isVuln = cve !== undefined || pkg !== undefined;
  const extra = Object.fromEntries(Object.entries(r).filter(([k, v]) => !KNOWN.has(k) && (typeof v !== 'object' || v === null)));
  const url = scalar(r.url);
  return reportFinding(ctx, {
    family: 'finding',
    scope: tool ?? '',
    fingerprint: scalar(r.fingerprint) ?? scalar(r.id) ?? [rule, cve, pkg, resource?.uid, at.file, at.line, title].map((p) => p ?? '').join('|'),
    pointer,
    product: { name: tool ?? 'Unknown', vendor_name: 'Unknown' },
    eventCode: `${ctx.format}.finding`,
    cls: isVuln ? FINDING_CLASS.vulnerability : FINDING_CLASS.detection,
    severityId: severityFromWord(r.severity) ?? lookup(LEVELS, key(r.severity)) ?? severityFromScore(r.severity) ?? 0,
    statusId: lookup(STATUS, key(r.status)) ?? 1,
    time: scalar(r.time),
    finding_info: compact({
      title: title ?? rule ?? cve,
      desc: scalar(r.description),
      analytic: rule === undefined ? undefined : { uid: rule, name: rule, type_id: 1, type: 'Rule' },
      src_url: url,
    }),
    resources: [resource, file].filter((x): x is ResourceDetails => x !== undefined),
    vulnerabilities: isVuln ? [compact({
      title: cve ?? title,
      cve: cve === undefined ? undefined : { uid: cve },
      affected_packages: pkg === undefined ? undefined : [compact({ name: pkg, version: version ?? 'unknown', fixed_in_version: fixed })],
      is_fix_available: pkg === undefined ? undefined : fixed !== undefined,
      references: url === undefined ? undefined : [url],
    })] : undefined,
    unmapped: Object.keys(extra).length > 0 ? { fields: extra } : undefined,
  });
}
