import type { CloudEvent } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/events/ids';
import type { ReportFinding, ReportFormat, ReportWarning } from '../../shared/ingest/types';

/** Operational event types of this capability (secorch.system.*, DESIGN.md section 3). */
export const INGEST_EVENT_TYPES = {
  failed: 'secorch.system.ingest.failed',
  completed: 'secorch.system.ingest.completed',
} as const;

/** What identifies one object's content in event ids, and its version in provenance. */
export interface IngestedObject {
  bucket: string;
  key: string;
  /** The identity of the content read (idempotency.ts identityOf): the same bytes, the same ids. */
  identity: string;
  version?: string;
  etag?: string;
  size: number;
  /** RFC 3339; the finding time when the report gives none. */
  eventTime: string;
}

interface Stamp {
  tenant: string;
  /** RFC 3339: when the event is published (injected clock). */
  now: string;
}

const base = (o: IngestedObject, s: Stamp) => ({
  specversion: '1.0' as const,
  source: `//storage/${o.bucket}`,
  datacontenttype: 'application/json',
  // Stamped by the server, never taken from the report (DESIGN.md: clients cannot set them).
  tenant: s.tenant,
  origin: `storage:${o.bucket}`,
});

/**
 * One finding. The id derives from the object's key and content identity and the finding's key
 * within the report, so a retried or redelivered ingestion, or the same bytes ingested again,
 * publishes the same ids and consumers deduplicate on (source, id). The parser puts provenance (bucket, key, version) into the finding itself.
 */
export function findingEvent(o: IngestedObject, f: ReportFinding, s: Stamp): CloudEvent {
  return {
    ...base(o, s),
    id: stableEventId(o.bucket, o.key, o.identity, f.key),
    type: f.type,
    time: f.time ?? o.eventTime,
    ...(f.subject !== undefined ? { subject: f.subject } : {}),
    data: f.data,
  };
}

export interface FailedData {
  bucket: string;
  key: string;
  version?: string;
  code: string;
  reason: string;
  format?: ReportFormat;
  pointer?: string;
}

export function failedEvent(o: IngestedObject, d: Omit<FailedData, 'bucket' | 'key' | 'version'>, s: Stamp): CloudEvent<FailedData> {
  return {
    ...base(o, s),
    id: stableEventId('ingest.failed', o.bucket, o.key, o.identity),
    type: INGEST_EVENT_TYPES.failed,
    time: s.now,
    subject: o.key,
    data: { bucket: o.bucket, key: o.key, ...(o.version ? { version: o.version } : {}), ...d },
  };
}

export interface CompletedData {
  bucket: string;
  key: string;
  version?: string;
  etag?: string;
  outcome: 'ingested' | 'failed';
  format?: ReportFormat;
  findings: number;
  bytes: number;
  durationMs: number;
  code?: string;
  /**
   * What the report left out while it was still ingested (refused JSON Lines lines, SARIF
   * artifacts past the memory budget): counted, with where the first ones are and why.
   */
  warnings?: ReportWarning[];
}

export function completedEvent(o: IngestedObject, d: Omit<CompletedData, 'bucket' | 'key' | 'version' | 'etag'>, s: Stamp): CloudEvent<CompletedData> {
  return {
    ...base(o, s),
    id: stableEventId('ingest.completed', o.bucket, o.key, o.identity),
    type: INGEST_EVENT_TYPES.completed,
    time: s.now,
    subject: o.key,
    data: { bucket: o.bucket, key: o.key, ...(o.version ? { version: o.version } : {}), ...(o.etag ? { etag: o.etag } : {}), ...d },
  };
}
