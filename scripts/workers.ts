import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { EXIT_CANNOT_RUN } from '../providers/local/worker-process';
import { WORKER_NAMES, type WorkerRecord, writeRecord } from '../providers/local/worker-state';

/**
 * The long-running local workers beside serverless-offline (router, delivery, inbox), as child
 * processes of npm start: each is restarted when it dies, and at the end each is asked to stop
 * (SIGTERM: it finishes the event, sweep or finding in hand, closes its databases and exits) and
 * waited for, so that npm start returns only once nothing writes to the data directory any more.
 * One that has not exited within the cap is killed (SIGKILL), and the output says so: the work
 * it held is safe to redo (leases expire, the queue redelivers, the inbox reads the report again).
 */
export interface WorkerSpec {
  name: string;
  entry: string;
  /** What happens to its work while the worker is down, for the restart message. */
  impact: string;
  /**
   * The same when it cannot run (EXIT_CANNOT_RUN), whole; `<impact> meanwhile` when unset. A
   * fallback that stands in while the worker restarts may fail on the same problem.
   */
  stoppedImpact?: string;
}

/**
 * npm start's workers. The router worker stops only on a problem in the local deps (a damaged or
 * unreadable queue or state file), which the router's one-minute schedule builds the same way:
 * while the worker restarts after a crash that schedule routes events, but it cannot stand in for
 * a worker that cannot run.
 */
export const LOCAL_WORKERS: readonly Omit<WorkerSpec, 'entry'>[] = [
  {
    name: WORKER_NAMES.router,
    impact: 'events are routed by the one-minute schedule',
    stoppedImpact: 'no events are routed meanwhile: the one-minute schedule fails on the same problem',
  },
  { name: WORKER_NAMES.delivery, impact: 'outbound webhooks wait' },
  { name: WORKER_NAMES.inbox, impact: 'reports copied into the inbox wait' },
];

/**
 * What makes a child of npm start stop once npm start is gone (scripts/parent-watch.cjs): node's
 * arguments before the entry, and the environment naming the parent to watch.
 */
export const PARENT_WATCH = ['--require', join(__dirname, 'parent-watch.cjs')];
export const watchedEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...env, SECORCH_PARENT_PID: String(process.pid) });

export interface SupervisorOptions {
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Extra arguments for node before the entry (tests). */
  execArgv?: string[];
  /**
   * Where npm start records each worker's state for GET /health/ready (freshStateDir of the data
   * directory, for this process); unset, nothing is recorded.
   */
  stateDir?: string;
  /** How long a run must last for its end not to count as failing fast (default 60 s). */
  stableMs?: number;
  /** The node binary the workers run on (default: npm start's own, process.execPath). */
  nodePath?: string;
  /** The workers' output (default: npm start's own). */
  stdio?: 'inherit' | 'ignore';
}

/** A run that ends sooner than this failed fast: the next restart waits twice as long (up to 30 s). */
export const STABLE_MS = 60_000;
const MAX_DELAY_MS = 30_000;

export function supervisor(opts: SupervisorOptions) {
  let stopping = false;
  const workers = new Map<string, ChildProcess>();
  const stableMs = opts.stableMs ?? STABLE_MS;
  const unrecorded = new Set<string>();

  /** npm start's account of the worker, for GET /health/ready (providers/local/worker-readiness.ts). */
  function record(name: string, r: Omit<WorkerRecord, 'stableMs'>): void {
    if (opts.stateDir === undefined) return;
    try {
      writeRecord(opts.stateDir, name, { stableMs, ...r });
      unrecorded.delete(name);
    } catch (e) {
      // Readiness then shows the worker's last recorded state; supervising goes on regardless.
      if (!unrecorded.has(name)) opts.log(`secorch: cannot record the state of ${name} for GET /health/ready (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      unrecorded.add(name);
    }
  }

  /**
   * Runs a worker and restarts it when it dies: `delayMs` (1 s) after a run that lasted, doubling
   * up to 30 s while it keeps failing fast.
   */
  function supervise(spec: WorkerSpec, delayMs = 1000): void {
    run(spec, delayMs, delayMs, 0);
  }

  /** `wait`: the delay before the next restart if this run fails fast; `fastExits`: fast failures so far in a row. */
  function run(spec: WorkerSpec, base: number, wait: number, fastExits: number): void {
    const started = Date.now();
    const worker = spawn(opts.nodePath ?? process.execPath, [...PARENT_WATCH, ...(opts.execArgv ?? []), spec.entry], { stdio: opts.stdio ?? 'inherit', env: watchedEnv(opts.env) });
    workers.set(spec.name, worker);
    record(spec.name, { state: 'running', pid: worker.pid, since: started, fastExits });
    // A process that could not be made (EAGAIN at a process limit, ENOENT) emits 'error' and no
    // 'exit': unheard, that error would end npm start and every other worker with it.
    worker.on('error', (e: NodeJS.ErrnoException) => {
      if (stopping || worker.pid !== undefined) return;
      const delay = wait;
      record(spec.name, { state: 'restarting', since: Date.now(), fastExits: fastExits + 1, lastExit: e.code ?? 'spawn failed' });
      opts.log(`secorch: ${spec.name} could not be started (${e.code ?? e.message}); restarting in ${delay / 1000} s (${spec.impact} meanwhile)`);
      setTimeout(() => stopping || run(spec, base, Math.min(delay * 2, MAX_DELAY_MS), fastExits + 1), delay).unref();
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const ended = Date.now();
      const fast = ended - started < stableMs;
      const streak = fast ? fastExits + 1 : 0;
      const lastExit = signal ?? `code ${code}`;
      // It said why it cannot run (a damaged database file, say) and what to do: restarting it
      // would only repeat that line every 30 s.
      if (code === EXIT_CANNOT_RUN) {
        record(spec.name, { state: 'stopped', since: ended, fastExits: streak, lastExit });
        opts.log(`secorch: ${spec.name} stopped: it cannot run until the problem above is fixed (${spec.stoppedImpact ?? `${spec.impact} meanwhile`}); start npm start again afterwards`);
        return;
      }
      // A run that lasted starts the delays over: a crash after hours of work waits 1 s, not the
      // 30 s an early crash loop had reached.
      const delay = fast ? wait : base;
      record(spec.name, { state: 'restarting', since: ended, fastExits: streak, lastExit });
      opts.log(`secorch: ${spec.name} exited (${signal ?? code}); restarting in ${delay / 1000} s (${spec.impact} meanwhile)`);
      setTimeout(() => stopping || run(spec, base, Math.min(delay * 2, MAX_DELAY_MS), streak), delay).unref();
    });
  }

  const running = () => [...workers].filter(([, w]) => w.exitCode === null && w.signalCode === null);

  /** Forwards a signal to every running worker (Ctrl-C, or npm start's own SIGTERM). */
  function signal(sig: NodeJS.Signals): void {
    stopping = true;
    for (const [, w] of running()) w.kill(sig);
  }

  /** Asks every running worker to stop and waits up to capMs, then kills what is left. */
  async function stopAll(capMs: number): Promise<void> {
    stopping = true;
    const left = running();
    if (left.length === 0) return;
    opts.log(`secorch: waiting for ${left.map(([n]) => n).join(', ')} to stop (up to ${capMs / 1000} s)`);
    const exited = left.map(([, w]) => new Promise<void>((r) => (w.exitCode !== null || w.signalCode !== null ? r() : w.once('exit', () => r()))));
    for (const [, w] of left) w.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<'cap'>((r) => (timer = setTimeout(() => r('cap'), capMs)));
    const outcome = await Promise.race([Promise.all(exited), cap]);
    clearTimeout(timer);
    if (outcome !== 'cap') return;
    const stuck = running();
    for (const [name, w] of stuck) {
      opts.log(`secorch: ${name} did not stop within ${capMs / 1000} s; killing it (SIGKILL): what it held is redone at the next start`);
      w.kill('SIGKILL');
    }
    await Promise.all(stuck.map(([, w]) => new Promise<void>((r) => (w.exitCode !== null || w.signalCode !== null ? r() : w.once('exit', () => r())))));
  }

  /** Kills every running worker at once (a second Ctrl-C). */
  function killAll(): void {
    stopping = true;
    for (const [, w] of running()) w.kill('SIGKILL');
  }

  return { supervise, signal, stopAll, killAll, workers };
}
