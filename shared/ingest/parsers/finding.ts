/**
 * What every report finding shares, whatever the format: the stable uid and key, provenance,
 * the severity of a score, and the assembly into a `secorch.finding.created` MappedEvent with
 * the OCSF builders of shared/mappers/ocsf.ts.
 *
 * Identity (DESIGN.md section 3: a finding uid is stable for the finding's life):
 * - `subject` (= finding_info.uid) is `<family>:<digest>` of the bucket, the tool and the
 *   finding's fingerprint (the scanner's own when it has one, else rule + location), so the
 *   same finding in a later report in the same bucket has the same uid. ASFF keeps its own uid.
 * - `key` is `<format>:<pointer>#<16 hex of the uid digest>`: stable for one result of one
 *   report, so re-ingesting the same object version yields the same keys (and event ids).
 * Provenance: every finding carries `unmapped.report` = { bucket, key, version, etag, format,
 * pointer }, the object the finding was read from and where in it.
 * Life cycle: a finding the report calls Suppressed or Resolved (a SARIF result that is absent
 * from the baseline, passed or suppressed; a passed Trivy check) is `secorch.finding.resolved`
 * with the Close activity, as the ASFF and GitHub mappers publish a RESOLVED, SUPPRESSED, fixed
 * or dismissed finding; any other is `secorch.finding.created`. Ticket destinations act on the
 * type alone: as a created event, such a result opened a ticket for a finding that is gone.
 */
import { createHash } from 'node:crypto';
import { buildFinding, OCSF_VERSION, type Finding, type FindingParts, type FindingInfo, type Product, type SeverityId, type StatusId } from '../../mappers/ocsf';
import { compact, epochMs, type Json } from '../../mappers/read';
import { TRANSITION_EVENT_TYPES, type FindingTransition, type MappedEvent } from '../../mappers/types';
import type { ReportFinding, ReportFormat, ReportSource } from '../types';
import type { ReportWarnings } from './warnings';

export interface ReportContext {
  source: ReportSource;
  format: ReportFormat;
  /** Items left out of a report that is still ingested (warnings.ts), for the summary. */
  warnings: ReportWarnings;
}

/** A hex SHA-256 prefix (128 bits) of the parts joined with NUL. */
export function digest(...parts: (string | number | undefined)[]): string {
  return createHash('sha256').update(parts.map((p) => (p === undefined ? '' : String(p))).join('\0')).digest('hex').slice(0, 32);
}

/**
 * A CVSS-style score (0-10) as a severity, with the bands GitHub uses for SARIF
 * `security-severity` (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#reportingdescriptor-object):
 * over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low; 0 is informational.
 */
export function severityFromScore(v: unknown): SeverityId | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > 10) return undefined;
  return n >= 9 ? 5 : n >= 7 ? 4 : n >= 4 ? 3 : n > 0 ? 2 : 1;
}

export interface ReportParts extends Omit<FindingParts, 'transition' | 'statusId' | 'time' | 'metadata' | 'finding_info'> {
  /** Prefix of the uid, e.g. `sarif`. */
  family: string;
  /** Scopes the fingerprint: the tool or artifact the finding belongs to. */
  scope: string;
  /** The scanner's fingerprint, or rule + location. */
  fingerprint: string;
  /** JSON Pointer (or `line N`) of the result in the report. */
  pointer: string;
  product: Product;
  eventCode: string;
  statusId?: StatusId;
  /** The report's own time for the finding, as written. */
  time?: string;
  finding_info: Omit<FindingInfo, 'uid'>;
}

const provenance = (ctx: ReportContext, pointer: string): Json =>
  compact({ bucket: ctx.source.bucket, key: ctx.source.key, version: ctx.source.version, etag: ctx.source.etag, format: ctx.format, pointer });

/** `<format>:<pointer>#<16 hex of a digest of the finding's identity>`. */
const keyOf = (ctx: ReportContext, pointer: string, hash: string): string => `${ctx.format}:${pointer}#${hash.slice(0, 16)}`;

/** Suppressed (3) and Resolved (4) close the finding; New, In Progress, Unknown and Other leave it open. */
const transitionOf = (statusId: StatusId): FindingTransition => (statusId === 3 || statusId === 4 ? 'resolved' : 'created');

export function reportFinding(ctx: ReportContext, parts: ReportParts): ReportFinding {
  const { family, scope, fingerprint, pointer, product, eventCode, statusId = 1, time, finding_info, unmapped, ...rest } = parts;
  // One digest serves both: the uid's, and the key's prefix of it (hashing is a visible share of a 200 MB ingest).
  const hash = digest(ctx.source.bucket, scope, fingerprint);
  const uid = `${family}:${hash}`;
  const key = keyOf(ctx, pointer, hash);
  const ms = epochMs(time);
  const transition = transitionOf(statusId);
  const data = buildFinding({
    ...rest,
    transition,
    statusId,
    time: ms ?? ctx.source.receivedAt,
    finding_info: { uid, ...finding_info },
    metadata: compact({
      version: OCSF_VERSION,
      product,
      uid: key,
      event_code: eventCode,
      original_time: ms === undefined ? undefined : time,
      logged_time: ctx.source.receivedAt,
    }),
    unmapped: { ...unmapped, report: provenance(ctx, pointer) },
  });
  return compact({ type: TRANSITION_EVENT_TYPES[transition], subject: uid, time: ms === undefined ? undefined : new Date(ms).toISOString(), data, key });
}

/**
 * A finding mapped by an existing webhook mapper (ASFF), given the report key and provenance.
 * Its uid and event type stay the mapper's: an ASFF finding names its own life cycle.
 */
export function withProvenance(ctx: ReportContext, event: MappedEvent, pointer: string): ReportFinding {
  const data = event.data as Finding;
  const key = keyOf(ctx, pointer, digest(event.key ?? event.subject ?? pointer));
  return { ...event, key, data: { ...data, metadata: { ...data.metadata, uid: key }, unmapped: { ...data.unmapped, report: provenance(ctx, pointer) } } };
}
