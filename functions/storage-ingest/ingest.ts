import { ingestSettings, type IngestSettings } from '../../shared/config/sections/ingest';
import { errors } from '../../shared/errors';
import { parseReport } from '../../shared/ingest/parsers';
import { type ParseReport, ReportError, type ReportFormat } from '../../shared/ingest/types';
import type { Deps, ObjectStorage } from '../../shared/ports';
import { transient, step } from './errors';
import { findingEvent, type IngestedObject } from './events';
import { claim, identityOf, isDone, recordKey, release, sameWrite } from './idempotency';
import { finish } from './outcome';
import { pump } from './pump';
import { quarantine, requarantineTarget } from './quarantine';
import type { ObjectRef } from './types';

export type IngestStatus = 'ingested' | 'failed' | 'duplicate' | 'skipped' | 'missing';

export interface IngestResult {
  status: IngestStatus;
  /** Why nothing was read (skipped, missing, duplicate). */
  reason?: string;
  findings?: number;
  format?: ReportFormat;
  /** The ReportError code of a failed report. */
  code?: string;
}

export interface IngestOptions {
  /** The report parser; the registry of every format by default. */
  parse?: ParseReport;
}

/** Why a key is not ingested at all: quarantined reports, keys outside `ingest.prefixes`. */
export function skipReason(key: string, s: IngestSettings): string | undefined {
  if (key.startsWith(s.quarantinePrefix)) return 'under the quarantine prefix';
  if (s.prefixes && !s.prefixes.some((p) => key.startsWith(p))) return 'outside ingest.prefixes';
  return undefined;
}

const FOLDER = 'a folder placeholder (an empty object whose key ends in "/")';

const objectsOf = (deps: Deps): ObjectStorage => {
  if (!deps.objects) throw errors.config('storage-ingest needs object storage (deps.objects) in this runtime');
  return deps.objects;
};

/**
 * Ingests one object: head it, claim its content (identityOf), stream it through the report parser publishing
 * each finding, then record the outcome (see outcome.ts for a refused report). Transient failures
 * throw retryable errors after releasing the claim, so the platform's redelivery tries again with
 * the same event ids.
 */
export async function ingestObject(ref: ObjectRef, deps: Deps, opts: IngestOptions = {}): Promise<IngestResult> {
  const s = ingestSettings(deps.config.ingest);
  const where = `${ref.bucket}/${ref.key}`;
  const log = deps.logger.child({ bucket: ref.bucket, key: ref.key });
  const skip = skipReason(ref.key, s);
  if (skip) {
    log.debug('object skipped', { reason: skip });
    return { status: 'skipped', reason: skip };
  }
  const objects = objectsOf(deps);
  const info = await step('object head', where, () => objects.head(ref.bucket, ref.key));
  if (!info) {
    log.warn('object not found: deleted or moved since the notification', { version: ref.version });
    deps.metrics.count('ingest.missing', 1);
    return { status: 'missing', reason: 'object not found' };
  }
  if (info.size === 0 && ref.key.endsWith('/')) {
    // A folder made in the S3 or Cloud Storage console: a zero-byte "<folder>/" object, no report.
    log.debug('object skipped', { reason: FOLDER });
    return { status: 'skipped', reason: FOLDER };
  }
  const o: IngestedObject = {
    bucket: ref.bucket, key: ref.key, identity: identityOf(info), size: info.size, eventTime: ref.eventTime,
    ...(info.version ? { version: info.version } : {}), ...(info.etag ? { etag: info.etag } : {}),
  };
  const held = await claim(deps, recordKey(o.bucket, o.key, o.identity), s.leaseSeconds, where);
  if (isDone(held)) {
    // A crash between recording a refusal and moving the report: finish the move now. Or the
    // same refused bytes placed again: move them too, never over another report.
    if (held.quarantinedTo) {
      const to = await requarantineTarget(objects, o.bucket, s.quarantinePrefix, o.key, held.quarantinedTo, o.identity);
      if (to !== undefined) await quarantine(objects, o.bucket, o.key, to, o.identity);
    }
    log.info('already ingested: nothing published', { identity: o.identity, outcome: held.outcome });
    deps.metrics.count('ingest.duplicate', 1);
    return { status: 'duplicate', reason: `already ${held.outcome}`, findings: held.findings };
  }
  const started = deps.clock.now();
  try {
    const result = await read(objects, o, deps, s, opts.parse ?? parseReport);
    return await finish(deps, objects, o, held, s, { ...result, durationMs: deps.clock.now() - started }, log);
  } catch (e) {
    await release(deps, held, s.leaseSeconds);
    throw e;
  }
}

/** Streams the object into the parser and publishes as it goes; a ReportError is a result, not a throw. */
async function read(objects: ObjectStorage, o: IngestedObject, deps: Deps, s: IngestSettings, parse: ParseReport) {
  const where = `${o.bucket}/${o.key}`;
  if (o.size > s.maxObjectBytes) {
    return { published: 0, error: new ReportError('report_too_large', `The object is ${o.size} bytes; ingest.maxObjectBytes is ${s.maxObjectBytes}`) };
  }
  const got = await step('object read', where, () => objects.stream(o.bucket, o.key));
  if (!got || !sameWrite(got.info, o)) {
    if (got) await closeBody(got.body);
    // Replaced or deleted between head and read: the retry sees the new state.
    throw transient('object read', where, new Error('the object changed while it was being read'));
  }
  const source = { bucket: o.bucket, key: o.key, version: o.version, etag: o.etag, size: o.size, receivedAt: Date.parse(o.eventTime) };
  const stamp = { tenant: s.tenant, now: new Date(deps.clock.now()).toISOString() };
  const findings = parse(whole(got.body, o.size, where), source, { maxBytes: s.maxObjectBytes });
  try {
    const r = await pump(findings, (f) => step('bus publish', where, () => deps.bus.publish(findingEvent(o, f, stamp))), s.publishConcurrency);
    if (r.ok) return { published: r.published, format: r.value.format, ...(r.value.warnings ? { warnings: r.value.warnings } : {}) };
    if (r.error instanceof ReportError) return { published: r.published, error: r.error, format: r.error.format };
    // Not a verdict on the report: the stream broke or the parser failed. Retry.
    throw transient('report read', where, r.error);
  } finally {
    await closeBody(got.body);
  }
}

/**
 * The body, failing (retryably) when it ends short of the object's size. A connection closed
 * mid-body can end a store's stream cleanly (aws/aws-sdk-js#257), and what was read then looks
 * like a truncated report: a SARIF or Trivy file refused as malformed and quarantined, a JSON
 * Lines or CSV file ingested without its last lines and recorded as done. Neither is the report's
 * fault, and a retry reads it whole.
 */
async function* whole(body: AsyncIterable<Uint8Array>, size: number, where: string): AsyncGenerator<Uint8Array> {
  let read = 0;
  for await (const chunk of body) {
    read += chunk.byteLength;
    yield chunk;
  }
  if (read < size) throw transient('object read', where, new Error(`the stream ended after ${read} of ${size} bytes`));
}

/** Aborts a body the parser did not read to the end (a Node stream, or any async iterator). */
async function closeBody(body: AsyncIterable<Uint8Array>): Promise<void> {
  const b = body as { destroy?: () => void; return?: () => Promise<unknown> };
  if (typeof b.destroy === 'function') b.destroy();
  else if (typeof b.return === 'function') await b.return().catch(() => undefined);
}
