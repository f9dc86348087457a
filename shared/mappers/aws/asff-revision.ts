/**
 * Which revision of an ASFF finding an event carries, beyond its UpdatedAt.
 *
 * UpdatedAt is the finding provider's clock only. Customers, SIEM and SOAR tools change findings
 * with BatchUpdateFindings, which "doesn't change the UpdatedAt field" yet makes Security Hub send
 * another "Security Hub Findings - Imported" event
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchupdatefindings.html).
 * An event key of uid and UpdatedAt alone would give that event the id of the previous one, and
 * consumers that deduplicate on (source, id) would drop the analyst's change. The key therefore
 * also carries a digest of what BatchUpdateFindings can write.
 */
import { createHash } from 'node:crypto';
import type { Json } from '../read';

/**
 * The fields and objects BatchUpdateFindings can update (the documented list), plus the legacy
 * WorkflowState and RecordState: with Workflow they decide the mapped status and transition, so
 * two events that map differently never share a key.
 */
export const REVISION_FIELDS = [
  'Confidence', 'Criticality', 'Note', 'RelatedFindings', 'Severity', 'Types', 'UserDefinedFields',
  'VerificationState', 'Workflow', 'WorkflowState', 'RecordState',
] as const;

/**
 * The documented values of these fields nest two levels at most (RelatedFindings[].Id). Anything
 * much deeper is not ASFF and is cut off, so that a webhook payload nested a hundred thousand
 * levels deep (JSON.parse accepts it) cannot exhaust the stack.
 */
const MAX_DEPTH = 8;
/** Not valid JSON, so no real value at that place can write the same text. */
const TOO_DEEP = '~';

const absent = (v: unknown): boolean => v === undefined || v === null;

/**
 * JSON with object keys sorted at every level, so the same content always gives the same text
 * whatever order a serializer wrote it in. Null and missing members are both "not set" (some
 * serializers write `null` for an unset optional, others leave it out); array order is kept, as
 * a list's order is part of its content.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  const o = value as Json;
  const members = Object.keys(o)
    .filter((k) => !absent(o[k]))
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k], depth + 1)}`);
  return `{${members.join(',')}}`;
}

/** 16 hex digits (64 bits) of the SHA-256 of the finding's `fields`, in canonical JSON. */
export function revisionOf(f: Json, fields: readonly string[]): string {
  const picked: Json = {};
  for (const field of fields) picked[field] = f[field];
  return createHash('sha256').update(canonicalJson(picked)).digest('hex').slice(0, 16);
}

/** The revision of an ASFF finding: its REVISION_FIELDS. */
export const asffRevision = (f: Json): string => revisionOf(f, REVISION_FIELDS);
