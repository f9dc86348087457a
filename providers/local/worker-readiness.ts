import type { RuntimeCheck, RuntimeReadiness } from '../../shared/ports';
import type { Config } from '../../shared/config';
import type { Clock } from '../../shared/ports';
import { BEAT_EVERY_MS } from './heartbeat';
import { type Beat, processAlive, readBeat, readRecords, type WorkerRecord } from './worker-state';

/** Fast exits in a row from which a worker is crash-looping rather than restarting once. */
export const CRASH_LOOP_EXITS = 2;

/**
 * How long a running worker may go without a heartbeat before it counts as stuck. Its loops beat
 * between events, findings and sweeps; the longest of those waits on a destination or receiver,
 * bounded by deliveries.timeoutSeconds (at most 120 s) per call: twice that, and never under
 * two minutes, so a slow destination is not taken for a hung worker.
 */
export const staleAfterMs = (config: Pick<Config, 'deliveries'>): number =>
  Math.max(120_000, 2 * (config.deliveries?.timeoutSeconds ?? 15) * 1000);

export interface WorkerReadinessOptions {
  /** The worker state folder of the npm start whose workers are checked (workerStateDir). */
  dir: string;
  clock: Clock;
  staleMs: number;
  /** Whether a process runs (default: signal 0). */
  alive?: (pid: number) => boolean;
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

function crashLoop(r: WorkerRecord): string {
  return `crash-looping: exited ${r.fastExits} times in a row within ${seconds(r.stableMs)} of starting (last: ${r.lastExit ?? 'unknown'})`;
}

/** Why the worker is not ready, or undefined when it is. */
export function problemOf(r: WorkerRecord, beat: Beat | undefined, now: number, staleMs: number, alive: (pid: number) => boolean): string | undefined {
  if (r.state === 'stopped') return `stopped: it cannot run until the problem npm start printed is fixed (${r.lastExit ?? 'exited'}); start npm start again afterwards`;
  const looping = r.fastExits >= CRASH_LOOP_EXITS;
  if (r.state === 'restarting') return looping ? `${crashLoop(r)}; npm start restarts it` : `restarting: it exited (${r.lastExit ?? 'unknown'})`;
  if (r.pid === undefined || !alive(r.pid)) return `gone: its process${r.pid === undefined ? '' : ` ${r.pid}`} is not running`;
  const up = now - r.since;
  // Running again after failing fast: not trusted until it has lasted as long as a run must.
  if (looping && up < r.stableMs) return `${crashLoop(r)}; running again for ${seconds(up)}`;
  const current = beat?.pid === r.pid ? beat : undefined;
  if (!current) return up < staleMs ? 'starting: no heartbeat yet' : `stuck: no heartbeat in the ${seconds(up)} since it started`;
  // A beat ahead of the clock (the clock set back) counts as fresh.
  const age = now - current.at;
  return age > staleMs ? `stuck: no progress reported for ${seconds(age)} (its loop reports every ${seconds(BEAT_EVERY_MS)})` : undefined;
}

/**
 * GET /health/ready's checks of the workers npm start runs beside serverless-offline, one per
 * worker (`worker:<name>`), from what npm start and the workers wrote (worker-state.ts): failed
 * while it restarts, crash-loops, has stopped for good, is gone, or has not reported progress
 * within `staleMs`; the reason is in the answer.
 */
export function workerReadiness(opts: WorkerReadinessOptions): RuntimeReadiness {
  const alive = opts.alive ?? processAlive;
  return {
    checks: async (): Promise<RuntimeCheck[]> => {
      const now = opts.clock.now();
      return readRecords(opts.dir).map(({ name, record }) => {
          const reason = problemOf(record, readBeat(opts.dir, name), now, opts.staleMs, alive);
          return reason === undefined ? { name: `worker:${name}`, ok: true } : { name: `worker:${name}`, ok: false, reason };
        });
    },
  };
}
