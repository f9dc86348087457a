import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { failedEvent } from '../../functions/storage-ingest/events';
import { quarantineKey } from '../../functions/storage-ingest/quarantine';
import type { AppError } from '../../shared/errors';
import type { Deps, ObjectStorage } from '../../shared/ports';
import { type InboxEntry, safeName } from './inbox-files';

export interface SetAside {
  deps: Deps & { objects: ObjectStorage };
  dir: string;
  bucket: string;
  quarantinePrefix: string;
  tenant: string;
}

/**
 * Moves a file that can never be ingested (a non-retryable failure: most often a name that is
 * no object key, with a backslash or bytes that are not UTF-8) to the inbox's quarantine, as a
 * refused report is, and publishes `secorch.system.ingest.failed` for it: nothing is silently
 * dropped, and nothing is retried forever. A name that is a key keeps it under the quarantine
 * prefix; any other is renamed to a safe generated name (its original bytes go to the log and
 * the event). Returns the quarantine key.
 */
export async function setAside(s: SetAside, entry: InboxEntry, st: { size: number; mtimeMs: number }, err: AppError): Promise<string> {
  const { deps } = s;
  const to = quarantineKey(s.quarantinePrefix, entry.key ?? safeName(entry));
  const now = new Date(deps.clock.now()).toISOString();
  const o = { bucket: s.bucket, key: entry.key ?? entry.escaped, identity: `${st.size}:${st.mtimeMs}`, size: st.size, eventTime: new Date(st.mtimeMs).toISOString() };
  // Best effort: the move below and the log line are what must not be missed.
  await deps.bus.publish(failedEvent(o, { code: err.code, reason: err.message }, { tenant: s.tenant, now }))
    .catch((e: unknown) => deps.logger.warn('ingest.failed event not published', { file: entry.escaped, error: e }));
  if (entry.key !== undefined) {
    await deps.objects.move(s.bucket, entry.key, to);
  } else {
    // The object store cannot name this file; the bucket is the inbox folder itself.
    const target = join(s.dir, ...to.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await rename(entry.path, target);
  }
  return to;
}
