import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDir, localDeps } from '../deps';
import { inbox } from '../inbox';
import { dirObjects } from '../objects-dir';
import { runWorker } from '../worker-process';
import { workerHeartbeat } from '../heartbeat';
import { WORKER_NAMES } from '../worker-state';
import { PRIVATE_DIR } from '../sqlite-files';
import { AppError } from '../../../shared/errors';

/**
 * The local inbox worker: a long-running process beside serverless-offline (started by
 * `npm start`), turning reports copied into $SECORCH_DATA_DIR/inbox/ into finding events, as a
 * bucket notification does on the clouds. The inbox is the bucket "inbox" of a folder store
 * rooted at the data directory. Stops on SIGINT/SIGTERM after the file in progress.
 */
export async function main(signal: AbortSignal): Promise<void> {
  const base = await localDeps();
  const root = dataDir();
  const dir = join(root, 'inbox');
  await inboxFolder(dir);
  const deps = { ...base, objects: dirObjects({ root }) };
  deps.logger.info('inbox worker started', { dir });
  await inbox({ deps, dir, beat: workerHeartbeat(WORKER_NAMES.inbox, deps) }).run(signal);
  deps.logger.info('inbox worker stopped');
}

/**
 * Makes the inbox folder. A file in its place is most often a report copied to `inbox` before the
 * folder existed (`cp report.sarif .data/inbox`): Node's EEXIST and its stack at every restart
 * did not say so. One line instead, naming the file and what to do; the worker is restarted
 * (retryable), so it starts once the file is moved.
 */
async function inboxFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'EEXIST' || code === 'ENOTDIR'
      ? `${dir} is a file, not the folder the inbox worker watches: move it aside (a report copied there before the folder existed goes into the folder once the worker has made it)`
      : `The inbox folder ${dir} cannot be made (${code}): check that this user may create it`;
    throw new AppError('inbox_unavailable', why, { status: 500, retryable: true, expose: false, cause: e });
  }
}

if (require.main === module) runWorker('inbox worker', main);
