import { inProgress, step } from '../../functions/storage-ingest/errors';
import { identityOf, readRecord, recordKey } from '../../functions/storage-ingest/idempotency';
import { quarantines } from '../../functions/storage-ingest/quarantine';
import type { ReportErrorCode } from '../../shared/ingest/types';
import type { Deps, Logger, ObjectInfo } from '../../shared/ports';

/**
 * The inbox's content claim: `ingc:<bucket>:<sha256>` names the first file seen with that content.
 * A file of the same content under another name is a duplicate only once that first file was
 * handled: its ingest record (`ing:<bucket>:<first>@<identity>`, idempotency.ts) is done and the
 * report was not refused. Otherwise nothing of it may be lost:
 * - refused (invalid, unsupported, too large): this copy takes the claim over and is read too, so
 *   it is refused and quarantined in turn, with its own `secorch.system.ingest.failed` event, or
 *   ingested when the cause is gone (a limit raised), and later copies are then its duplicates;
 * - in progress under a live lease (an attempt killed midway, its lease not yet over): this copy
 *   waits for the lease to end (`ingest_in_progress`, retried by the inbox);
 * - never finished (its lease over, released, no record at all): this copy takes the claim over
 *   and is ingested under its own name, as on the clouds another key is its own report.
 */
export interface ContentClaim {
  deps: Deps;
  bucket: string;
  /** The file: its key, and its head with the content's SHA-256 as etag. */
  rel: string;
  info: ObjectInfo & { etag: string };
  ttlSeconds: number;
  log: Logger;
}

export const claimKeyOf = (bucket: string, etag: string): string => `ingc:${bucket}:${etag}`;

/**
 * Claims the content for `rel`. Returns the earlier file's name when that file was handled (this
 * one is then a duplicate), else undefined (ingest this one); throws `ingest_in_progress` while an
 * attempt on the earlier file may still be running.
 */
export async function claimContent(c: ContentClaim): Promise<string | undefined> {
  const { deps, bucket, rel, info, ttlSeconds } = c;
  const key = claimKeyOf(bucket, info.etag);
  const where = `${bucket}/${rel}`;
  if (await deps.store.put(key, rel, { ifAbsent: true, ttlSeconds })) return undefined;
  const held = await step('state read', where, () => deps.store.get(key));
  const first = held?.value;
  if (held === undefined || first === undefined || first === rel) return undefined;
  const record = await readRecord(deps, recordKey(bucket, first, identityOf(info)), where);
  const refused = record?.state === 'done' && record.outcome === 'failed' && record.code !== undefined && quarantines(record.code as ReportErrorCode);
  if (record?.state === 'done' && !refused) return first;
  if (record?.state === 'in-progress' && record.leaseUntil > deps.clock.now()) {
    throw inProgress(`${bucket}/${first}`, record.leaseUntil);
  }
  // This file takes the claim over, a refused first file's too: once this one is ingested (a limit
  // raised, an upgrade that reads the format), a later copy is its duplicate, not read once more.
  // Of two files taking the claim over at once, one wins; the other waits and then sees its outcome.
  if (!(await step('state write', where, () => deps.store.put(key, rel, { ifVersion: held.version, ttlSeconds })))) {
    throw inProgress(where, deps.clock.now());
  }
  if (!refused) c.log.warn('an earlier file of the same content was not ingested to the end; this one is ingested in its place', { file: rel, earlier: first });
  return undefined;
}
