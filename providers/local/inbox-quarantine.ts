import { createHash } from 'node:crypto';
import { access, mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { failedEvent } from '../../functions/storage-ingest/events';
import { dropOriginal, quarantineKey, quarantineTarget, recordOriginal } from '../../functions/storage-ingest/quarantine';
import { AppError } from '../../shared/errors';
import { conditionsOf } from '../../shared/objects/conditions';
import type { Deps, ObjectStorage } from '../../shared/ports';
import { type InboxEntry, safeName } from './inbox-files';
import { PRIVATE_DIR } from './sqlite-files';

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
 *
 * Only the file that was judged is moved: a file saved over it since (another size or modification
 * time than the poll's `st`, or another content than the store's head, checked again by the
 * conditional move as it links and renames) stays where it is, and this throws
 * `inbox_file_changed` (retryable), so the inbox tries again on a later poll, which sees the new
 * file and reads it. A name that cannot be a key is moved by rename(2) without such a check: any
 * file under that name is refused for the name alone, so the verdict holds for a replacement too.
 */
export async function setAside(s: SetAside, entry: InboxEntry, st: { size: number; mtimeMs: number }, err: AppError): Promise<string> {
  const { deps } = s;
  const identity = `${st.size}:${st.mtimeMs}`;
  // As for a refused report: an earlier file set aside under the same name is kept, and this one
  // goes beside it (`<name>.<12 hex>`), so a scanner that writes one bad name every night keeps every night's.
  const to = entry.key !== undefined
    ? await quarantineTarget(deps.objects, s.bucket, s.quarantinePrefix, entry.key, identity)
    : await freeName(s.dir, s.quarantinePrefix, safeName(entry), identity);
  const now = new Date(deps.clock.now()).toISOString();
  const o = { bucket: s.bucket, key: entry.key ?? entry.escaped, identity, size: st.size, eventTime: new Date(st.mtimeMs).toISOString() };
  // Best effort: the move below and the log line are what must not be missed.
  await deps.bus.publish(failedEvent(o, { code: err.code, reason: err.message }, { tenant: s.tenant, now }))
    .catch((e: unknown) => deps.logger.warn('ingest.failed event not published', { file: entry.escaped, error: e }));
  if (entry.key !== undefined) {
    const info = await deps.objects.head(s.bucket, entry.key);
    // lastModified is the mtime to the millisecond; the poll's mtimeMs may carry a fraction.
    const judged = info !== undefined && info.size === st.size && Math.abs(Date.parse(info.lastModified ?? '') - st.mtimeMs) < 1;
    // A key too long for the quarantine was shortened (quarantineKey): its original goes beside it.
    const original = judged ? await recordOriginal(deps.objects, s.bucket, entry.key, to, info) : undefined;
    const moved = judged ? await deps.objects.move(s.bucket, entry.key, to, conditionsOf(info)) : info ? 'changed' : 'absent';
    if (moved === 'changed' || moved === 'absent') await dropOriginal(deps.objects, s.bucket, original);
    if (moved !== 'moved') throw fileChanged(entry.escaped, moved);
  } else {
    // The object store cannot name this file; the bucket is the inbox folder itself.
    const target = join(s.dir, ...to.split('/'));
    await mkdir(dirname(target), { recursive: true, mode: PRIVATE_DIR });
    await rename(entry.path, target);
  }
  return to;
}

const fileChanged = (file: string, moved: string) =>
  new AppError('inbox_file_changed', `Inbox file ${file} was ${moved === 'absent' ? 'removed' : 'replaced'} after it was judged; left as it is (a new file is read on a later poll)`, {
    status: 409, retryable: true, expose: false, extra: { file, move: moved },
  });

/**
 * `<prefix><name>`, or `<prefix><name>.<12 hex of identity>` when a file already sits there under
 * the inbox folder; either shortened as quarantineKey does, should the prefix make it too long.
 */
async function freeName(dir: string, prefix: string, name: string, identity: string): Promise<string> {
  const key = quarantineKey(prefix, name);
  const taken = await access(join(dir, ...key.split('/'))).then(() => true, () => false);
  return taken ? quarantineKey(prefix, name, `.${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`) : key;
}
