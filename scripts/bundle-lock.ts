import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../providers/local/worker-state';

/**
 * One npm start per bundle folder (dist/local, or SECORCH_LOCAL_BUNDLE): the build empties the
 * folder and writes it again with its own configuration in it. A second npm start from the same
 * checkout (another PORT, another configuration) did so under the first one, whose workers and
 * functions, loaded or restarted after that, found their files gone or ran the second one's
 * configuration. `npm run build` did the same under a running npm start. `dist/<bundle>.pid`
 * names the npm start or build that holds the folder; one whose process is gone (killed) is taken
 * over.
 */
export class BundleLockError extends Error {}

/**
 * The local bundle folder's name under dist/ (SECORCH_LOCAL_BUNDLE, default `local`). The build
 * empties `dist/<name>` first: `..` named the checkout itself, `../src` a folder beside dist/, and
 * the build removed it. A name is one plain folder name.
 */
export function localBundleName(env: Record<string, string | undefined>): string {
  const name = env.SECORCH_LOCAL_BUNDLE || 'local';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new BundleLockError(`SECORCH_LOCAL_BUNDLE "${name.slice(0, 100).replace(/[^\x20-\x7e]/g, '?')}" is not a folder name: the local bundle is built into dist/<name>; use letters, digits, '.', '_' and '-', starting with a letter or digit`);
  }
  return name;
}

/** Who holds a bundle folder: an npm start runs from it; npm run build replaces it. */
export type Holder = 'npm start' | 'npm run build';

/** The holder's pid (first line) and what it is (second line; none from versions that wrote only the pid). */
function holderOf(path: string): { pid: number; as: Holder } {
  try {
    const [pid, as] = readFileSync(path, 'utf8').split('\n');
    return { pid: Number(pid?.trim()), as: as?.trim() === 'npm run build' ? 'npm run build' : 'npm start' };
  } catch {
    return { pid: Number.NaN, as: 'npm start' };
  }
}

/** Why `by` cannot take the folder `holder` holds, and what to do instead. */
function refusal(bundle: string, holder: { pid: number; as: Holder }, by: Holder): string {
  const folder = `dist/${bundle} of this checkout`;
  if (holder.as === 'npm run build') {
    return by === 'npm start'
      ? `npm run build (pid ${holder.pid}) is building ${folder}: start again once it has ended, or give this one a bundle folder of its own with SECORCH_LOCAL_BUNDLE=<name>`
      : `another npm run build (pid ${holder.pid}) is building ${folder}: wait for it to end`;
  }
  return by === 'npm start'
    ? `another npm start (pid ${holder.pid}) runs from ${folder}, and building would replace the files it runs: ` +
        'stop it first, or give this one a bundle folder of its own with SECORCH_LOCAL_BUNDLE=<name>'
    : `npm start (pid ${holder.pid}) runs from ${folder}, and building would replace the files it runs: stop it first, ` +
        'or build only the cloud bundles (npm run build -- aws azure gcp), or the local one into a folder of its own (SECORCH_LOCAL_BUNDLE=<name> npm run build -- local)';
}

/** Takes `<dist>/<bundle>.pid` for this process; returns what gives it back (idempotent). */
export function lockBundle(dist: string, bundle: string, pid = process.pid, as: Holder = 'npm start'): () => void {
  mkdirSync(dist, { recursive: true });
  const path = join(dist, `${bundle}.pid`);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(path, `${pid}\n${as}\n`, { flag: 'wx' });
      return () => {
        if (holderOf(path).pid !== pid) return;
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new BundleLockError(`${path} cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const holder = holderOf(path);
    if (Number.isInteger(holder.pid) && holder.pid > 0 && holder.pid !== pid && processAlive(holder.pid)) throw new BundleLockError(refusal(bundle, holder, as));
    // Its holder is gone (or the file is unreadable): taken over.
    try {
      unlinkSync(path);
    } catch {
      // removed meanwhile
    }
  }
  throw new BundleLockError(`${path} keeps changing: another npm start or npm run build is starting on dist/${bundle}; try again`);
}
