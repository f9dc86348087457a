import { createHash } from 'node:crypto';
import type { ReportErrorCode } from '../../shared/ingest/types';
import { conditionsOf } from '../../shared/objects/conditions';
import type { ObjectStorage } from '../../shared/ports';
import { step } from './errors';
import { identityOf } from './idempotency';

/**
 * Reports that can never be ingested are moved out of the way, under the quarantine prefix of the
 * same bucket, for an operator to look at; keys under it are never ingested. An empty report is
 * a clean scan, not a bad file: it stays where it is.
 */
const QUARANTINED: ReadonlySet<ReportErrorCode> = new Set(['report_invalid', 'report_unsupported', 'report_too_large']);

export const quarantines = (code: ReportErrorCode): boolean => QUARANTINED.has(code);

export const quarantineKey = (prefix: string, key: string): string => `${prefix}${key}`;

/**
 * Where a refused object goes: `<prefix><key>`, or, when another report already sits there (last
 * night's broken upload of the same key), `<prefix><key>.<12 hex of its identity>`, so a bucket
 * without versioning keeps both. Decided once, before the outcome is recorded: the record names it.
 */
export async function quarantineTarget(objects: ObjectStorage, bucket: string, prefix: string, key: string, identity: string): Promise<string> {
  const to = quarantineKey(prefix, key);
  const there = await step('object head', `${bucket}/${to}`, () => objects.head(bucket, to));
  return there ? `${to}.${createHash('sha256').update(identity).digest('hex').slice(0, 12)}` : to;
}

/**
 * Moves the object unless it is gone or was replaced meanwhile (another identity: the new
 * content has its own notification and its own verdict). The head tells which object the key
 * holds now; the move is conditional on it (its etag and version, each store's own
 * preconditions), so a report uploaded under the key after the head (before the copy, or between
 * the copy and the delete) is neither quarantined nor deleted. True when the key no longer holds
 * the refused object; false when it was gone or replaced (if it was replaced after the copy, the
 * quarantine holds the refused report and the key the new one).
 */
export async function quarantine(objects: ObjectStorage, bucket: string, key: string, to: string, identity: string): Promise<boolean> {
  const where = `${bucket}/${key}`;
  const info = await step('object head', where, () => objects.head(bucket, key));
  if (!info || identityOf(info) !== identity) return false;
  // Every store reports an etag; were one to report none, the move would be unconditional.
  const moved = await step('object move', where, () => objects.move(bucket, key, to, conditionsOf(info)));
  return moved === 'moved';
}
