import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESERVED_SEGMENT_PREFIX } from '../../shared/objects/keys';
import { PRIVATE_DIR, PRIVATE_FILE } from './sqlite-files';

/**
 * How the workers beside serverless-offline are doing, kept in `<data dir>/.secorch-workers/<npm
 * start pid>/` for GET /health/ready, which runs in serverless-offline's process and cannot see the
 * workers: npm start (scripts/workers.ts) writes `<name>.json` when it starts, restarts or gives
 * up on a worker, and each worker writes `<name>.beat.json` as its loop goes round (heartbeat.ts).
 * Two writers, two files: neither overwrites the other's news. A folder per npm start: two of
 * them on one data directory do not take each other's workers for their own. Files, not the
 * state store: the store may be `memory` (one per process), and a write every few seconds per
 * worker would queue behind the functions for state.db's write lock.
 */
export const WORKER_NAMES = { router: 'router-worker', delivery: 'delivery-worker', inbox: 'inbox-worker' } as const;

/**
 * The npm start a process runs under: it names itself to every process it starts
 * (SECORCH_PARENT_PID, scripts/workers.ts). Undefined outside npm start.
 */
export function supervisorOf(env: Record<string, string | undefined>): number | undefined {
  const pid = Number(env.SECORCH_PARENT_PID);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process runs (signal 0); EPERM: it does, as another user's. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The data directory is also the folder store's root, a bucket per folder (objects-dir.ts): the
 * reserved prefix keeps this folder out of any bucket's way (no bucket name may start with it).
 */
const ROOT = `${RESERVED_SEGMENT_PREFIX}workers`;
export const workerStateDir = (dataDir: string, supervisor: number): string => join(dataDir, ROOT, String(supervisor));

/**
 * Clears what earlier npm starts left (`alive` false for their pid), and this one's own folder: a
 * pid is reused (a container's npm start has the same one every time), and a record or beat of an
 * earlier run must not pass for the current one's. Returns this npm start's folder.
 */
export function freshStateDir(dataDir: string, supervisor: number, alive: (pid: number) => boolean): string {
  let entries: string[] = [];
  try {
    entries = readdirSync(join(dataDir, ROOT));
  } catch {
    // none yet
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (pid === supervisor || !(Number.isSafeInteger(pid) && pid > 0 && alive(pid))) rmSync(join(dataDir, ROOT, entry), { recursive: true, force: true });
  }
  return workerStateDir(dataDir, supervisor);
}

/** npm start's account of one worker. */
export interface WorkerRecord {
  state: 'running' | 'restarting' | 'stopped';
  /** The process of the current run (state running). */
  pid?: number;
  /** When the current run started (running), or when the last run ended. */
  since: number;
  /** Runs in a row that ended within stableMs of their start (0 after one that lasted). */
  fastExits: number;
  /** How long a run must last not to count as failing fast. */
  stableMs: number;
  /** How the last run ended: `code 1`, `SIGKILL`. */
  lastExit?: string;
}

/** A worker's last report that its loop is going round. */
export interface Beat {
  pid: number;
  at: number;
}

const recordFile = (dir: string, name: string) => join(dir, `${name}.json`);
const beatFile = (dir: string, name: string) => join(dir, `${name}.beat.json`);
const BEAT_SUFFIX = '.beat.json';

/**
 * Replaces the file whole (a temporary file renamed over it): a reader never sees half a record.
 * The folder is made its owner's only, as everything in the data directory (sqlite-files.ts).
 */
function writeWhole(path: string, value: unknown): void {
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`, { mode: PRIVATE_FILE });
  renameSync(tmp, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    // Missing, or left half-written by a version that wrote in place: no news.
    return undefined;
  }
}

export const writeRecord = (dir: string, name: string, record: WorkerRecord): void => writeWhole(recordFile(dir, name), record);
export const writeBeat = (dir: string, name: string, beat: Beat): void => writeWhole(beatFile(dir, name), beat);
export const readBeat = (dir: string, name: string): Beat | undefined => readJson<Beat>(beatFile(dir, name));

/** Every worker npm start has a record of, by name (none when the folder is missing). */
export function readRecords(dir: string): { name: string; record: WorkerRecord }[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.json') && !f.endsWith(BEAT_SUFFIX))
    .sort()
    .flatMap((f) => {
      const name = f.slice(0, -'.json'.length);
      const record = readJson<WorkerRecord>(join(dir, f));
      return record ? [{ name, record }] : [];
    });
}
