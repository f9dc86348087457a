import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestDeps } from '../../functions/storage-ingest/ingest.testkit';
import type { Logger } from '../../shared/ports';
import { inbox } from './inbox';
import { dirObjects } from './objects-dir';

/** What inbox tests share: a temporary folder per test, a logger that keeps every line, a watcher on real folders. */
export type LogLine = { level: string; msg: string; fields: Record<string, unknown> };

export function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/** Per test, a new temporary folder holding an empty `inbox` folder, given to `set` and removed after the test. */
export function eachInboxRoot(prefix: string, set: (root: string) => void): void {
  let root: string | undefined;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
    await mkdir(join(root, 'inbox'));
    set(root);
  });
  afterEach(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
    root = undefined;
  });
}

/** A watcher of `<root>/inbox` on the folder store at `root`, with ingest deps and a recording logger. */
export function watchedInbox(root: string) {
  const t = ingestDeps();
  const lines: LogLine[] = [];
  const deps = { ...t.deps, logger: recordingLogger(lines), objects: dirObjects({ root }) };
  const loud = () => lines.filter((l) => l.level !== 'debug');
  return { ...t, deps, lines, loud, watcher: inbox({ deps, dir: join(root, 'inbox') }) };
}
