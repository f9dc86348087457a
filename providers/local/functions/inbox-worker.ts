import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDir, localDeps } from '../deps';
import { inbox } from '../inbox';
import { dirObjects } from '../objects-dir';
import { runWorker } from '../worker-process';
import { PRIVATE_DIR } from '../sqlite-files';

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
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  const deps = { ...base, objects: dirObjects({ root }) };
  deps.logger.info('inbox worker started', { dir });
  await inbox({ deps, dir }).run(signal);
  deps.logger.info('inbox worker stopped');
}

if (require.main === module) runWorker('inbox worker', main);
