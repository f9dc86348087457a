import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One npm start per bundle folder (dist/local, or SECORCH_LOCAL_BUNDLE): the build empties the
 * folder and writes it again with its own configuration in it. A second npm start from the same
 * checkout (another PORT, another configuration) did so under the first one, whose workers and
 * functions, loaded or restarted after that, found their files gone or ran the second one's
 * configuration. `dist/<bundle>.pid` names the npm start that owns the folder; one whose process
 * is gone (killed) is taken over.
 */
export class BundleLockError extends Error {}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const holderOf = (path: string): number => {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return Number.NaN;
  }
};

/** Takes `<dist>/<bundle>.pid` for this process; returns what gives it back (idempotent). */
export function lockBundle(dist: string, bundle: string, pid = process.pid): () => void {
  mkdirSync(dist, { recursive: true });
  const path = join(dist, `${bundle}.pid`);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx' });
      return () => {
        if (holderOf(path) !== pid) return;
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
    if (Number.isInteger(holder) && holder > 0 && holder !== pid && alive(holder)) {
      throw new BundleLockError(
        `another npm start (pid ${holder}) runs from dist/${bundle} of this checkout, and building would replace the files it runs: ` +
          `stop it first, or give this one a bundle folder of its own with SECORCH_LOCAL_BUNDLE=<name>`,
      );
    }
    // Its npm start is gone (or the file is unreadable): taken over.
    try {
      unlinkSync(path);
    } catch {
      // removed meanwhile
    }
  }
  throw new BundleLockError(`${path} keeps changing: another npm start is starting from dist/${bundle}; try again`);
}
