/**
 * The contract between storage-ingest (functions/storage-ingest) and the report parsers
 * (shared/ingest/parsers). A parser reads a report as a stream of byte chunks, never holding it
 * whole, and yields one mapped finding event per result. Parsers are pure: no clock, no I/O
 * beyond the stream they are given.
 */
import type { MappedEvent } from '../mappers/types';

export type ReportFormat = 'sarif' | 'trivy' | 'asff' | 'jsonl' | 'csv';

/** Where a report came from: the provenance every finding carries. */
export interface ReportSource {
  bucket: string;
  key: string;
  /** Object version (S3 VersionId, Blob versionId, GCS generation), when the store keeps versions. */
  version?: string;
  etag?: string;
  size?: number;
  /** Epoch ms used as the finding time when the report gives none (the object's creation time). */
  receivedAt: number;
}

/**
 * One finding of a report: a MappedEvent (type secorch.finding.created, subject = the finding
 * uid, data = the OCSF-aligned finding) whose `key` is stable for this result in this report, so
 * re-ingesting the same object version yields the same CloudEvent ids.
 */
export type ReportFinding = MappedEvent & { key: string };

export interface ParseOptions {
  /** Refuse reports whose bytes exceed this (ReportError report_too_large). */
  maxBytes?: number;
}

/** Reasons a report is refused; each becomes a secorch.system.ingest.failed event. */
export type ReportErrorCode =
  | 'report_unsupported' // not a format we know (detected by content)
  | 'report_invalid' // the format is known but the content breaks its schema (e.g. SARIF `results: 42`)
  | 'report_empty' // a valid report with no results at all, or an empty file: a clean scan
  | 'report_scan_failed' // a report without results that says its scan did not complete (SARIF: runs null, a run without results, an invocation that failed)
  | 'report_too_large';

export class ReportError extends Error {
  constructor(readonly code: ReportErrorCode, message: string, readonly format?: ReportFormat, readonly pointer?: string) {
    super(message);
    this.name = 'ReportError';
  }
}

/**
 * Parts of an ingested report that were left out, so the outcome can say so (nothing is dropped
 * silently): the report itself was ingested, these items were not.
 */
export type ReportWarningCode =
  | 'lines_refused' // JSON Lines: lines that are not a valid finding (malformed JSON, not an object, a finding the schema refuses)
  | 'artifacts_dropped' // SARIF: run artifacts beyond the memory budget (results citing them by index alone keep the index, not the URI)
  | 'artifacts_late'; // SARIF: results citing an artifact by index alone, listed before their run's artifacts and beyond what is held for them (they keep the index, not the URI)

export interface ReportWarning {
  code: ReportWarningCode;
  /** One sentence for operators: what was left out and what it means for the findings. */
  message: string;
  /** How many items (lines, artifacts) were left out. */
  count: number;
  /** Where and why, for the first MAX_WARNING_ITEMS of them (warnings.ts). */
  items: { pointer: string; reason: string }[];
}

/** What a parsed report amounts to: its format, the findings yielded, and what was left out. */
export interface ReportSummary {
  format: ReportFormat;
  count: number;
  /** Present when something was left out; publish it with the outcome. */
  warnings?: ReportWarning[];
}

/**
 * parseReport(body, source, opts): detects the format from the first bytes, then yields the
 * findings one at a time. Throws ReportError for a bad report (possibly after yielding some
 * findings: callers publish what they got only if the whole report parses, or accept the
 * partial result; storage-ingest publishes as it goes, since ids are stable and a re-run after a
 * fix repeats the same ids). Items refused one by one (a bad JSON Lines line) do not fail the
 * report: the summary's `warnings` count them and say where.
 */
export type ParseReport = (body: AsyncIterable<Uint8Array>, source: ReportSource, opts?: ParseOptions) => AsyncGenerator<ReportFinding, ReportSummary>;
