import { isAbsolute, relative, resolve } from 'node:path';
import type { Config } from '../../shared/config';
import { errors } from '../../shared/errors';
import { busProblem } from '../common/bus';
import { type SecretManagers, secretsProblem } from '../common/secrets';

/**
 * What the local runtime offers, in one place: the composition root (deps.ts) builds from these
 * and refuses anything else at cold start, and `npm start` runs the same checks
 * (localProblems) before anything listens, so a cloud-only setting stops start-up with its key
 * named instead of crashing every worker over and over.
 */
export const LOCAL_RUNTIME = 'the local runtime';
export const LOCAL_STORES = ['sqlite', 'memory'] as const;
export const LOCAL_BUSES = ['local'] as const;
/** Locally only environment variables hold secrets: no cloud manager is reachable or bundled. */
export const LOCAL_SECRET_MANAGERS: SecretManagers = {};
export const LOCAL_SEALERS = ['local'] as const;

export interface LocalProblem {
  /** The configuration key at fault, e.g. `store.type`. */
  path: string;
  message: string;
}

/**
 * Folders of the data directory that local buckets (one folder each, objects-dir.ts) must not be:
 * objects archived into `inbox` would be read back as reports and archived again, over and over,
 * and `keys` holds the subscription secret key.
 */
export const RESERVED_LOCAL_BUCKETS = ['inbox', 'keys'] as const;

/**
 * Files the local runtime keeps in the data directory: a bucket (a folder) of that name cannot be
 * made, so its buffered events could never be written.
 */
const DATA_FILES = /^(?:state|queue)\.db(?:-wal|-shm|-journal)?$/;

/** Whether `path` is `dir` or inside it. */
const within = (dir: string, path: string): boolean => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

const offers = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

/**
 * Every setting the local runtime cannot honour, each naming its key and what works locally.
 * With `dataDir` (the data directory the runtime uses) the places it holds are checked too.
 */
export function localProblems(config: Config, dataDir?: string): LocalProblem[] {
  const problems: LocalProblem[] = [];
  const store = config.store;
  if (store && !offers(LOCAL_STORES, store.type)) {
    problems.push({ path: 'store.type', message: `store.type "${store.type}" is not available on ${LOCAL_RUNTIME}; use sqlite (the default) or memory` });
  }
  const bus = busProblem(config, LOCAL_RUNTIME, LOCAL_BUSES);
  if (bus) problems.push({ path: 'bus.type', message: bus });
  const secrets = secretsProblem(LOCAL_RUNTIME, config.secrets, LOCAL_SECRET_MANAGERS);
  if (secrets) problems.push({ path: 'secrets.provider', message: secrets });
  const sealer = config.secrets.sealer;
  if (sealer && !offers(LOCAL_SEALERS, sealer.provider)) {
    problems.push({
      path: 'secrets.sealer.provider',
      message: `secrets.sealer.provider: ${sealer.provider} is not available on ${LOCAL_RUNTIME}; use local (the key file $SECORCH_DATA_DIR/keys/subscriptions.key) or leave sealer unset`,
    });
  }
  for (const [name, dest] of Object.entries(config.destinations)) {
    // Compared without case: on a case-insensitive file system `Inbox` is the same folder.
    if (dest.type === 'archive' && offers(RESERVED_LOCAL_BUCKETS, dest.bucket.toLowerCase())) {
      problems.push({
        path: `destinations.${name}.bucket`,
        message: `destinations.${name}.bucket: "${dest.bucket}" is a folder of the data directory on ${LOCAL_RUNTIME} (${RESERVED_LOCAL_BUCKETS.join(', ')} are taken: the report inbox, the key folder); choose another name`,
      });
    }
    if (dest.type === 'archive' && DATA_FILES.test(dest.bucket.toLowerCase())) {
      problems.push({
        path: `destinations.${name}.bucket`,
        message: `destinations.${name}.bucket: "${dest.bucket}" is a file of the data directory on ${LOCAL_RUNTIME} (the state and queue databases); choose another name`,
      });
    }
    if (dest.type === 'file' && dataDir !== undefined && within(resolve(dataDir, 'inbox'), resolve(dest.path))) {
      problems.push({
        path: `destinations.${name}.path`,
        message: `destinations.${name}.path: ${dest.path} is inside the report inbox (${resolve(dataDir, 'inbox')}), which reads every file there as a report: each line written would be routed and written again; write it elsewhere`,
      });
    }
  }
  return problems;
}

/** Throws the local problems, on one line, as a configuration error naming the (first) key. */
export function assertLocalConfig(config: Config, dataDir?: string): void {
  const problems = localProblems(config, dataDir);
  if (problems.length > 0) throw errors.config(problems.map((p) => p.message).join('; '), problems[0]!.path);
}
