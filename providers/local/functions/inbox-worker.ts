import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDir, localDeps } from '../deps';
import { inbox } from '../inbox';
import { dirObjects } from '../objects-dir';

/**
 * The local inbox worker: a long-running process beside serverless-offline (started by
 * `npm start`), turning reports copied into $SECORCH_DATA_DIR/inbox/ into finding events, as a
 * bucket notification does on the clouds. The inbox is the bucket "inbox" of a folder store
 * rooted at the data directory. Stops on SIGINT/SIGTERM after the file in progress.
 */
export async function main(): Promise<void> {
  const base = await localDeps();
  const root = dataDir();
  const dir = join(root, 'inbox');
  await mkdir(dir, { recursive: true });
  const deps = { ...base, objects: dirObjects({ root }) };
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
  deps.logger.info('inbox worker started', { dir });
  await inbox({ deps, dir }).run(stop.signal);
  deps.logger.info('inbox worker stopped');
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`secorch inbox worker: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
