import { lstat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ingestObject, type IngestResult } from '../../functions/storage-ingest/ingest';
import { quarantines } from '../../functions/storage-ingest/quarantine';
import type { ReportErrorCode } from '../../shared/ingest/types';
import { ingestSettings } from '../../shared/config/sections/ingest';
import { AppError, toAppError } from '../../shared/errors';
import { conditionsOf } from '../../shared/objects/conditions';
import type { Deps, EventBus, ObjectInfo, ObjectStorage } from '../../shared/ports';
import { claimContent, claimKeyOf } from './inbox-claim';
import { type InboxEntry, listInbox } from './inbox-files';
import { setAside } from './inbox-quarantine';

/**
 * The local stand-in for a bucket notification: `$SECORCH_DATA_DIR/inbox/` polled every 500 ms
 * (fs only, no native watcher). A file is read once complete, which is when its size and mtime
 * are the same on two polls in a row (a copy in progress keeps changing), and not empty (a
 * file made by a shell redirection before its scanner writes). Ignored: hidden and temporary
 * names (a segment starting with `.`, or ending .tmp/.part/.crdownload) and the quarantine folder.
 * Symbolic links are never followed (one could lead out of the inbox): each is logged once.
 *
 * After a file is handled it is moved to `inbox/.processed/<name>` (reports refused as invalid,
 * unsupported or too large go to `inbox/<quarantinePrefix><name>` instead, and so do files that
 * fail for good, such as a name that cannot be an object key: see inbox-quarantine.ts): what is
 * left in the inbox is what is still pending, and a restart does not re-read every old report.
 * Content decides what is new: the local store's etag is the SHA-256 of the content, and a claim
 * `ingc:inbox:<sha256>` names the first file seen with it, so the same report copied in again,
 * under any name, adds no findings once that file was handled (inbox-claim.ts).
 *
 * Stopping (the run signal aborts) is checked between files and between findings: a report
 * interrupted midway releases its claim and stays in the inbox, and the next start reads it
 * again from the start with the same event ids (the router's fan-out deduplicates them).
 */
export interface InboxOptions {
  /** Deps whose `objects` holds the inbox as `bucket` (dirObjects({ root: dataDir }) and "inbox"). */
  deps: Deps & { objects: ObjectStorage };
  /** The folder watched: the bucket's folder. */
  dir: string;
  bucket?: string;
  /** Called as the watcher goes round, per file and per finding published (the worker's heartbeat). */
  beat?: () => void;
}

export const PROCESSED = '.processed/';
const TEMP = /\.(tmp|part|crdownload)$/i;
const RETRY_MS = 5000;
export const STOPPING = 'worker_stopping';
const LINK = 'inbox entry is a symbolic link; it is not followed (copy or move the report itself into the inbox)';

export const ignoredName = (rel: string, quarantinePrefix: string): boolean =>
  rel.split('/').some((s) => s.startsWith('.')) || TEMP.test(rel) || rel.startsWith(quarantinePrefix);

export interface InboxFileResult {
  file: string;
  result?: IngestResult;
  /** Set when the content was already ingested under this other name. */
  sameAs?: string;
  error?: string;
  /** Where a file that can never be ingested was moved. */
  quarantinedTo?: string;
}

interface Seen { size: number; mtimeMs: number; retryAt?: number; handled?: boolean; logged?: string }

/**
 * A bus that refuses to publish once the worker is stopping, so a long report ends between
 * findings, and beats at each finding: a long report is progress too.
 */
function stoppable(bus: EventBus, signal: AbortSignal, beat: () => void): EventBus {
  const stopping = () => new AppError(STOPPING, 'The inbox worker is stopping', { status: 503, retryable: true });
  return { publish: (e) => (beat(), signal.aborted ? Promise.reject(stopping()) : bus.publish(e)), check: () => bus.check() };
}

export function inbox(opts: InboxOptions) {
  const { deps, dir } = opts;
  const bucket = opts.bucket ?? 'inbox';
  const beat = opts.beat ?? (() => undefined);
  const s = ingestSettings(deps.config.ingest);
  const log = deps.logger.child({ inbox: dir });
  /**
   * Per file (escaped path): size and mtime at the last poll; when a failed file may be tried
   * again; whether it was handled (a file left in place, e.g. outside ingest.prefixes, is not
   * read again unless it changes); the problem already logged, so a file failing the same way
   * every poll is logged once.
   */
  const seen = new Map<string, Seen>();
  const unreadable = new Set<string>();
  const aside = { deps, dir, bucket, quarantinePrefix: s.quarantinePrefix, tenant: s.tenant };

  /**
   * Moves the file that was read to .processed/; a file saved over it meanwhile stays, for the next
   * poll. A file and a folder of one name cannot both exist (`scan.json` archived last night, a
   * folder `scan.json/` tonight, or the reverse): such a file goes to `.processed/<12 hex of its
   * content's SHA-256>/<name>` instead. One that cannot be archived at all after it was handled
   * stays where it is, logged: it was ingested, and is neither failed nor quarantined for this.
   */
  async function archive(rel: string, read: ObjectInfo & { etag: string }): Promise<void> {
    const move = (to: string) => deps.objects.move(bucket, rel, to, conditionsOf(read));
    try {
      await move(`${PROCESSED}${rel}`);
      return;
    } catch (e) {
      if (toAppError(e).code !== 'object_key_invalid') throw e;
    }
    try {
      await move(`${PROCESSED}${read.etag.slice(0, 12)}/${rel}`);
    } catch (e) {
      const err = toAppError(e);
      if (err.retryable) throw e;
      log.warn('inbox file was handled but cannot be moved to .processed/; it stays in the inbox', { file: rel, code: err.code, reason: err.message });
    }
  }

  /** Ingests one complete file; the content claim keeps out a copy, under another name, of a report handled already (inbox-claim.ts). */
  async function handle(rel: string, mtimeMs: number, live: Deps): Promise<InboxFileResult> {
    const head = await deps.objects.head(bucket, rel);
    if (!head?.etag) return { file: rel, error: 'gone' };
    const info = { ...head, etag: head.etag };
    const first = await claimContent({ deps, bucket, rel, info, ttlSeconds: s.dedupeTtlSeconds, log });
    if (first !== undefined) {
      await archive(rel, info);
      return { file: rel, sameAs: first };
    }
    try {
      const result = await ingestObject({ bucket, key: rel, eventTime: new Date(mtimeMs).toISOString(), etag: info.etag, size: info.size }, live);
      // A report that is not quarantined (ingested, empty, or a scan that did not complete) is
      // handled: it goes to .processed/ rather than being read again at every poll.
      if (result.status !== 'failed' || !quarantines(result.code as ReportErrorCode)) await archive(rel, info);
      return { file: rel, result };
    } catch (e) {
      // Not ingested: the next copy of this content may try again.
      await deps.store.delete(claimKeyOf(bucket, info.etag)).catch(() => undefined);
      throw e;
    }
  }

  /** Logs a problem with a file once; the same problem again on later polls only at debug level. */
  function once(entry: InboxEntry, level: 'info' | 'warn' | 'error', what: string, msg: string, fields: Record<string, unknown>): void {
    const st = seen.get(entry.escaped);
    const first = st?.logged !== what;
    if (st) st.logged = what;
    (first ? log[level] : log.debug).call(log, msg, { file: entry.escaped, ...fields });
  }

  /** A failure of one file: quarantined when it never can succeed, else retried after RETRY_MS. */
  async function failed(entry: InboxEntry, st: { size: number; mtimeMs: number }, e: unknown, now: number): Promise<InboxFileResult> {
    const err = toAppError(e);
    const file = entry.key ?? entry.escaped;
    if (!err.retryable) {
      try {
        const to = await setAside(aside, entry, st, err);
        seen.set(entry.escaped, { ...st, handled: true });
        log.error('inbox file cannot be ingested; moved to quarantine', { file: entry.escaped, code: err.code, reason: err.message, quarantinedTo: to });
        return { file, error: err.code, quarantinedTo: to };
      } catch (moveError) {
        seen.set(entry.escaped, { ...st, retryAt: now + RETRY_MS, logged: seen.get(entry.escaped)?.logged });
        once(entry, 'error', `quarantine:${toAppError(moveError).code}`, 'inbox file cannot be ingested nor moved to quarantine; will retry', { code: err.code, error: moveError });
        return { file, error: err.code };
      }
    }
    seen.set(entry.escaped, { ...st, retryAt: now + RETRY_MS, logged: seen.get(entry.escaped)?.logged });
    if (err.code === 'ingest_in_progress') {
      // Another attempt holds the report (most often a worker stopped midway): an expected wait.
      once(entry, 'warn', err.code, 'inbox file is held by another attempt; it is read when that attempt releases it or its lease ends', { leaseUntil: err.extra.leaseUntil });
    } else {
      once(entry, 'error', err.code, 'inbox file failed; will retry', { code: err.code, retryable: err.retryable });
    }
    return { file, error: err.code };
  }

  /** One pass: files stable since the last pass are ingested, one after the other, until `signal` aborts. */
  async function poll(signal?: AbortSignal): Promise<InboxFileResult[]> {
    const now = deps.clock.now();
    const live = signal ? { ...deps, bus: stoppable(deps.bus, signal, beat) } : deps;
    const present = new Set<string>();
    const done: InboxFileResult[] = [];
    const entries = await listInbox(dir, {
      ignored: (rel) => ignoredName(rel, s.quarantinePrefix),
      unreadable: (folder, e) => {
        if (!unreadable.has(folder)) log.error('inbox folder cannot be read', { folder, error: e });
        unreadable.add(folder);
      },
    });
    for (const entry of entries) {
      if (signal?.aborted) return done;
      beat();
      present.add(entry.escaped);
      const before = seen.get(entry.escaped);
      // lstat: a file replaced by a symbolic link since the listing is not followed either.
      const st = entry.link ? undefined : await lstat(entry.path).catch((e: unknown) => e as NodeJS.ErrnoException);
      if (st === undefined || (!(st instanceof Error) && st.isSymbolicLink())) {
        seen.set(entry.escaped, { size: -1, mtimeMs: -1, logged: before?.logged });
        once(entry, 'warn', 'link', LINK, {});
        continue;
      }
      if (st instanceof Error) {
        // Gone since the listing: nothing to say. Anything else is said once per file.
        if (st.code !== 'ENOENT') {
          seen.set(entry.escaped, { size: -1, mtimeMs: -1, logged: before?.logged });
          once(entry, 'error', `stat:${st.code}`, 'inbox file cannot be read', { reason: st.code });
        }
        continue;
      }
      const stable = before !== undefined && before.size === st.size && before.mtimeMs === st.mtimeMs;
      // A retry time further than RETRY_MS ahead was set before the clock was set back (NTP
      // stepping it): it is RETRY_MS from now instead of waiting out however far the clock went.
      const retryAt = before?.retryAt === undefined ? undefined : Math.min(before.retryAt, now + RETRY_MS);
      seen.set(entry.escaped, { size: st.size, mtimeMs: st.mtimeMs, ...(stable ? { retryAt, handled: before.handled, logged: before.logged } : {}) });
      if (!stable || before.handled || (retryAt ?? 0) > now) continue;
      if (st.size === 0) {
        // `scanner > inbox/report.json` makes the file at once and writes it when the scan ends:
        // read now, it would be report_empty and archived, and the report then written into the
        // archived file. An empty file waits for its content.
        once(entry, 'info', 'empty', 'inbox file is empty; it is read once written', {});
        continue;
      }
      try {
        if (entry.key === undefined) throw entry.keyError;
        const r = await handle(entry.key, st.mtimeMs, live);
        log.info('inbox file handled', { file: entry.key, status: r.result?.status ?? (r.sameAs ? 'duplicate' : r.error), sameAs: r.sameAs, format: r.result?.format, findings: r.result?.findings, code: r.result?.code });
        seen.set(entry.escaped, { size: st.size, mtimeMs: st.mtimeMs, handled: true });
        done.push(r);
      } catch (e) {
        if (signal?.aborted && toAppError(e).code === STOPPING) {
          log.info('inbox stopped midway through a file; it is read again at the next start', { file: entry.escaped });
          done.push({ file: entry.key ?? entry.escaped, error: STOPPING });
          return done;
        }
        done.push(await failed(entry, st, e, now));
      }
    }
    for (const key of seen.keys()) if (!present.has(key)) seen.delete(key);
    return done;
  }

  /** Polls until the signal aborts; a failing pass is logged, never fatal. */
  async function run(signal: AbortSignal, intervalMs = 500): Promise<void> {
    while (!signal.aborted) {
      beat();
      await poll(signal).catch((e: unknown) => log.error('inbox poll failed', { error: toAppError(e).code }));
      // Resolves early on abort; the timer's abort listener is removed when it settles.
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  return { poll, run };
}
