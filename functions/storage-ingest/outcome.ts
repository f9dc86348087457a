import type { IngestSettings } from '../../shared/config/sections/ingest';
import type { ReportError, ReportFormat, ReportWarning } from '../../shared/ingest/types';
import { redactText } from '../../shared/log/redact';
import type { Deps, Logger, ObjectStorage } from '../../shared/ports';
import { step } from './errors';
import { completedEvent, failedEvent, type IngestedObject } from './events';
import { type Claim, complete, type DoneRecord } from './idempotency';
import type { IngestResult } from './ingest';
import { quarantine, quarantines, quarantineTarget } from './quarantine';

export interface ReadResult {
  published: number;
  format?: ReportFormat;
  /** Set when the report was refused. */
  error?: ReportError;
  /** What an ingested report left out (the parser's summary). */
  warnings?: ReportWarning[];
  durationMs: number;
}

/**
 * The warnings as published and logged: a reason can quote the report (a JSON error quotes the
 * start of its line), and reports carry secrets scanners found, so reasons go through the log's
 * redaction like any logged text.
 */
const redactedWarnings = (warnings: readonly ReportWarning[]): ReportWarning[] =>
  warnings.map((w) => ({ ...w, items: w.items.map((i) => ({ pointer: i.pointer, reason: redactText(i.reason) })) }));

/**
 * After the findings: the operational events, then the done record, then (for a report that can
 * never be ingested) the move to quarantine. The record names the quarantine key before the move,
 * so a crash in between is finished by the redelivery; the events have stable ids, so publishing
 * them again after a crash is deduplicated downstream like the findings.
 */
export async function finish(deps: Deps, objects: ObjectStorage, o: IngestedObject, held: Claim, s: IngestSettings, r: ReadResult, log: Logger): Promise<IngestResult> {
  const where = `${o.bucket}/${o.key}`;
  const stamp = { tenant: s.tenant, now: new Date(deps.clock.now()).toISOString() };
  const publish = (e: Parameters<Deps['bus']['publish']>[0]) => step('bus publish', where, () => deps.bus.publish(e));
  const e = r.error;
  const to = e && quarantines(e.code) ? await quarantineTarget(objects, o.bucket, s.quarantinePrefix, o.key, o.identity) : undefined;
  const format = r.format ?? e?.format;
  if (e) {
    // Redacted like the warnings: a refusal can quote the report (JSON Lines quotes its first refused lines).
    await publish(failedEvent(o, { code: e.code, reason: redactText(e.message), ...(format ? { format } : {}), ...(e.pointer ? { pointer: e.pointer } : {}) }, stamp));
  }
  const outcome = e ? 'failed' : 'ingested';
  const warnings = !e && r.warnings?.length ? redactedWarnings(r.warnings) : undefined;
  await publish(completedEvent(o, {
    outcome, findings: r.published, bytes: o.size, durationMs: r.durationMs,
    ...(format ? { format } : {}), ...(e ? { code: e.code } : {}), ...(warnings ? { warnings } : {}),
  }, stamp));
  const done: DoneRecord = {
    state: 'done', outcome, findings: r.published, at: deps.clock.now(),
    ...(format ? { format } : {}), ...(e ? { code: e.code } : {}), ...(to ? { quarantinedTo: to } : {}),
  };
  if (!(await complete(deps, held, done, s.dedupeTtlSeconds, where))) {
    // Our lease ran out and another attempt took over: it records the outcome (same event ids).
    log.warn('lease lost before the outcome was recorded', { identity: o.identity });
  }
  // False when the key holds another report by now (or nothing): that report is left alone.
  const moved = to ? await quarantine(objects, o.bucket, o.key, to, o.identity) : false;
  const fields = { identity: o.identity, format, findings: r.published, bytes: o.size, durationMs: r.durationMs };
  if (!e) {
    if (warnings) {
      // Ingested, but not whole: said at warn, with what was left out, and counted per kind.
      log.warn('report ingested with items left out', { ...fields, warnings: warnings.map((w) => ({ code: w.code, count: w.count, first: w.items.slice(0, 5) })) });
      for (const w of warnings) deps.metrics.count('ingest.items_left_out', w.count, { code: w.code, format: format ?? 'unknown' });
    } else log.info('report ingested', fields);
    deps.metrics.count('ingest.findings', r.published, { format: format ?? 'unknown' });
    return { status: 'ingested', findings: r.published, ...(format ? { format } : {}) };
  }
  log.warn('report refused', { ...fields, code: e.code, pointer: e.pointer, ...(to ? (moved ? { quarantinedTo: to } : { quarantine: 'skipped: the key holds another object now' }) : {}) });
  deps.metrics.count('ingest.refused', 1, { code: e.code });
  return { status: 'failed', code: e.code, findings: r.published, ...(format ? { format } : {}) };
}
