import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ingestObject, type IngestResult } from '../../functions/storage-ingest/ingest';
import { ingestSettings } from '../../shared/config/sections/ingest';
import { toAppError } from '../../shared/errors';
import type { Deps, ObjectStorage } from '../../shared/ports';

/**
 * The local stand-in for a bucket notification: `$SECORCH_DATA_DIR/inbox/` polled every 500 ms
 * (fs only, no native watcher). A file is read once complete, which is when its size and mtime
 * are the same on two polls in a row (a copy in progress keeps changing). Ignored: hidden and
 * temporary names (a segment starting with `.`, or ending .tmp/.part/.crdownload) and the
 * quarantine folder.
 *
 * After a file is handled it is moved to `inbox/.processed/<name>` (reports refused as invalid,
 * unsupported or too large go to `inbox/<quarantinePrefix><name>` instead): what is left in the
 * inbox is what is still pending, and a restart does not re-read every old report. Content
 * decides what is new: the local store's etag is the SHA-256 of the content, and a claim
 * `ingc:inbox:<sha256>` names the first file seen with it, so the same report copied in again,
 * under any name, adds no findings.
 */
export interface InboxOptions {
  /** Deps whose `objects` holds the inbox as `bucket` (dirObjects({ root: dataDir }) and "inbox"). */
  deps: Deps & { objects: ObjectStorage };
  /** The folder watched: the bucket's folder. */
  dir: string;
  bucket?: string;
}

export const PROCESSED = '.processed/';
const TEMP = /\.(tmp|part|crdownload)$/i;
const RETRY_MS = 5000;

export const ignoredName = (rel: string, quarantinePrefix: string): boolean =>
  rel.split('/').some((s) => s.startsWith('.')) || TEMP.test(rel) || rel.startsWith(quarantinePrefix);

export interface InboxFileResult {
  file: string;
  result?: IngestResult;
  /** Set when the content was already ingested under this other name. */
  sameAs?: string;
  error?: string;
}

export function inbox(opts: InboxOptions) {
  const { deps, dir } = opts;
  const bucket = opts.bucket ?? 'inbox';
  const s = ingestSettings(deps.config.ingest);
  const log = deps.logger.child({ inbox: dir });
  /**
   * Size and mtime at the last poll; when a failed file may be tried again; whether it was
   * handled (a file left in place, e.g. outside ingest.prefixes, is not read again unless it changes).
   */
  const seen = new Map<string, { size: number; mtimeMs: number; retryAt?: number; handled?: boolean }>();

  async function files(): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((rel) => !ignoredName(rel, s.quarantinePrefix));
  }

  async function archive(rel: string): Promise<void> {
    if (await deps.objects.head(bucket, rel)) await deps.objects.move(bucket, rel, `${PROCESSED}${rel}`);
  }

  /** Ingests one complete file; the content claim keeps a copy under another name out. */
  async function handle(rel: string, mtimeMs: number): Promise<InboxFileResult> {
    const info = await deps.objects.head(bucket, rel);
    if (!info?.etag) return { file: rel, error: 'gone' };
    const claimKey = `ingc:${bucket}:${info.etag}`;
    if (!(await deps.store.put(claimKey, rel, { ifAbsent: true, ttlSeconds: s.dedupeTtlSeconds }))) {
      const first = (await deps.store.get(claimKey))?.value;
      if (first !== undefined && first !== rel) {
        await archive(rel);
        return { file: rel, sameAs: first };
      }
    }
    try {
      const result = await ingestObject({ bucket, key: rel, eventTime: new Date(mtimeMs).toISOString(), etag: info.etag, size: info.size }, deps);
      if (result.status !== 'failed' || result.code === 'report_empty') await archive(rel);
      return { file: rel, result };
    } catch (e) {
      // Not ingested: the next copy of this content may try again.
      await deps.store.delete(claimKey).catch(() => undefined);
      throw e;
    }
  }

  /** One pass: files stable since the last pass are ingested, one after the other. */
  async function poll(): Promise<InboxFileResult[]> {
    const now = deps.clock.now();
    const present = new Set<string>();
    const done: InboxFileResult[] = [];
    for (const rel of await files()) {
      present.add(rel);
      const st = await stat(join(dir, ...rel.split('/'))).catch(() => undefined);
      if (!st) continue;
      const before = seen.get(rel);
      const stable = before !== undefined && before.size === st.size && before.mtimeMs === st.mtimeMs;
      seen.set(rel, { size: st.size, mtimeMs: st.mtimeMs, ...(stable ? { retryAt: before.retryAt, handled: before.handled } : {}) });
      if (!stable || before.handled || (before.retryAt ?? 0) > now) continue;
      try {
        const r = await handle(rel, st.mtimeMs);
        log.info('inbox file handled', { file: rel, status: r.result?.status ?? (r.sameAs ? 'duplicate' : r.error), sameAs: r.sameAs, format: r.result?.format, findings: r.result?.findings, code: r.result?.code });
        seen.set(rel, { size: st.size, mtimeMs: st.mtimeMs, handled: true });
        done.push(r);
      } catch (e) {
        const err = toAppError(e);
        seen.set(rel, { size: st.size, mtimeMs: st.mtimeMs, retryAt: now + RETRY_MS });
        log.error('inbox file failed; will retry', { file: rel, code: err.code, retryable: err.retryable });
        done.push({ file: rel, error: err.code });
      }
    }
    for (const rel of seen.keys()) if (!present.has(rel)) seen.delete(rel);
    return done;
  }

  /** Polls until the signal aborts; a failing pass is logged, never fatal. */
  async function run(signal: AbortSignal, intervalMs = 500): Promise<void> {
    while (!signal.aborted) {
      await poll().catch((e: unknown) => log.error('inbox poll failed', { error: toAppError(e).code }));
      await new Promise<void>((r) => {
        const t = setTimeout(r, intervalMs);
        signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  }

  return { poll, run };
}
