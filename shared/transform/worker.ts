import { Worker } from 'node:worker_threads';
import { createBudgets } from './budget';
import { createJsonLengthWithin } from './json-size';
import { jsonataSource } from './jsonata-source';
import { type Applied, type RuntimeBudget, type RuntimeConstants, createRuntime } from './runtime';

/**
 * The thread transforms run in, so that the time budget is hard. The budget hooks stop loops and
 * recursion between evaluation steps, but one slow built-in call (`$distinct` is quadratic) or a
 * regular expression with catastrophic backtracking runs to completion unless the thread running
 * it is terminated. Terminating the calling thread's JavaScript is no option: `vm`'s `timeout`
 * with `microtaskMode: 'afterEvaluate'` does interrupt jsonata's promise jobs, but terminating one
 * corrupts Node's async-hooks stack, which aborts the process as soon as async hooks are on
 * (AsyncLocalStorage, jest, tracing agents; nodejs/node#38503, #43135). A worker is terminated
 * as a whole, and started again for the next application.
 *
 * Applications run one at a time, in order; the hard limit counts from when the worker has the
 * expression compiled (COMPILE_ALLOWANCE_MS before that), not while an application waits. The worker starts with jsonata's source text and the runtime built
 * from the source of its self-contained factories (no bundler entry is needed), and holds nothing
 * but compiled expressions. Its heap is capped too, so runaway allocation costs the worker, not
 * the process, as long as no single allocation is huge (see WORKER_HEAP_MB).
 *
 * The factories (createJsonLengthWithin, createBudgets, createRuntime) must refer to nothing but
 * their parameters and globals; the tests here fail at once if one does. Coverage by instrumentation
 * (jest's default `babel` provider) puts counters in them that the worker cannot resolve: measure
 * coverage with `--coverageProvider=v8`.
 */

/** After the budget, the worker's own check gets this long to answer before it is terminated. */
export const HARD_LIMIT_GRACE_MS = 20;
/**
 * How long the worker may take to compile a text it has not compiled yet, before the budget
 * starts. jsonata's parser is quadratic on some texts: `a` and 4,095 `.*`, within
 * MAX_TRANSFORM_LENGTH, take over 100 ms. Counted in the budget, such a text failed as
 * transform_timeout on every attempt, and each time the terminated worker lost every tenant's
 * compiled expressions with it. Bounded by the text's length, a compile ends well within this.
 */
export const COMPILE_ALLOWANCE_MS = 2_000;
/**
 * Old-generation heap of the worker. Node ends a worker that reaches it, allowing 16 MB more for
 * the allocation under way; one larger allocation than that aborts the whole process instead (V8
 * cannot satisfy it, and its out-of-memory handler is fatal). So the heap cap is no bound on what
 * one built-in call allocates at once: budget.ts bounds those calls before they run.
 */
export const WORKER_HEAP_MB = 128;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How an application ends when the worker does not answer it. */
export type Lost = { ok: false; lost: 'timeout' } | { ok: false; lost: 'heap'; heapMb: number } | { ok: false; lost: 'failed'; message: string };
export type Outcome = Applied | Lost;

interface Job {
  source: string;
  input: unknown;
  budget: RuntimeBudget;
  done: (outcome: Outcome) => void;
}

/** The worker's program: jsonata, the runtime, and a loop answering one message with one result. */
function workerCode(constants: RuntimeConstants): string {
  return [
    "const { parentPort } = require('node:worker_threads');",
    // tsx (esbuild with keepNames) wraps functions in `__name(fn, "name")` calls: a no-op here.
    'const __name = (fn) => fn;',
    'const jsonataModule = { exports: {} };',
    `(function (module, exports) {\n${jsonataSource()}\n})(jsonataModule, jsonataModule.exports);`,
    'const jsonata = jsonataModule.exports;',
    `const jsonLengthWithin = (${createJsonLengthWithin.toString()})();`,
    `const budgets = (${createBudgets.toString()})(jsonata, jsonLengthWithin);`,
    `const runtime = (${createRuntime.toString()})(jsonata, budgets, jsonLengthWithin, ${JSON.stringify(constants)});`,
    "const compiledNow = () => parentPort.postMessage('compiled');",
    "parentPort.on('message', (job) => runtime.applySource(job.source, job.input, job.budget, compiledNow).then((result) => parentPort.postMessage(result)));",
    "parentPort.postMessage('ready');",
  ].join('\n');
}

const hardLimitMs = (timeoutMs: number): number | undefined =>
  Number.isFinite(timeoutMs) ? Math.min(Math.max(timeoutMs, 0) + HARD_LIMIT_GRACE_MS, MAX_TIMER_MS) : undefined;

export class TransformWorker {
  private worker: Worker | undefined;
  private ready = false;
  private readonly queue: Job[] = [];
  private current: { job: Job; timer: NodeJS.Timeout | undefined } | undefined;

  constructor(private readonly constants: RuntimeConstants) {}

  apply(source: string, input: unknown, budget: RuntimeBudget): Promise<Outcome> {
    return new Promise((done) => {
      this.queue.push({ source, input, budget, done });
      this.pump();
    });
  }

  private pump(): void {
    const job = this.queue[0];
    if (this.current === undefined && job !== undefined) {
      let worker = this.worker;
      if (worker === undefined) {
        try {
          worker = this.spawn();
        } catch (e) {
          this.failAll(`the transform worker did not start: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
      }
      if (this.ready) {
        this.queue.shift();
        this.start(worker, job);
      }
    }
    // The process waits for pending applications, not for an idle worker.
    if (this.current !== undefined || this.queue.length > 0) this.worker?.ref();
    else this.worker?.unref();
  }

  private start(worker: Worker, job: Job): void {
    try {
      worker.postMessage({ source: job.source, input: job.input, budget: job.budget });
    } catch (e) {
      // Not structured-clonable (a function in the input, say): JSON inputs always are.
      job.done({ ok: false, lost: 'failed', message: `the input cannot be passed to the transform: ${e instanceof Error ? e.message : String(e)}` });
      this.pump();
      return;
    }
    // Until the worker says the expression is compiled, the compile allowance too (see 'compiled').
    this.current = { job, timer: this.hardLimit(job, COMPILE_ALLOWANCE_MS) };
  }

  private hardLimit(job: Job, extraMs: number): NodeJS.Timeout | undefined {
    const limit = hardLimitMs(job.budget.timeoutMs);
    return limit === undefined ? undefined : setTimeout(() => this.stop({ ok: false, lost: 'timeout' }), Math.min(limit + extraMs, MAX_TIMER_MS));
  }

  private spawn(): Worker {
    const worker = new Worker(workerCode(this.constants), {
      eval: true,
      name: 'secorch-transforms',
      env: {},
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.on('message', (message: 'ready' | 'compiled' | Applied) => {
      if (worker !== this.worker) return;
      if (message === 'compiled') {
        // The budget starts now: the hard limit counts from here, without the compile allowance.
        if (this.current !== undefined) {
          clearTimeout(this.current.timer);
          this.current.timer = this.hardLimit(this.current.job, 0);
        }
        return;
      }
      if (message === 'ready') {
        this.ready = true;
      } else if (this.current !== undefined) {
        const { job, timer } = this.current;
        this.current = undefined;
        clearTimeout(timer);
        job.done(message);
      }
      this.pump();
    });
    worker.on('error', (e) => this.lose(worker, e));
    worker.on('exit', (code) => this.lose(worker, new Error(`the transform worker exited with code ${code}`)));
    this.worker = worker;
    this.ready = false;
    return worker;
  }

  /** Ends the current application without the worker's answer, and the worker with it. */
  private stop(outcome: Lost): void {
    const current = this.current;
    this.current = undefined;
    if (current !== undefined) {
      clearTimeout(current.timer);
      current.job.done(outcome);
    }
    this.discard();
    this.pump();
  }

  private discard(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    void worker?.terminate();
  }

  /** The worker died on its own (heap limit, a bug), or could not start. */
  private lose(worker: Worker, e: Error): void {
    if (worker !== this.worker) return;
    if (this.current !== undefined) {
      const heap = (e as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.stop(heap ? { ok: false, lost: 'heap', heapMb: WORKER_HEAP_MB } : { ok: false, lost: 'failed', message: e.message });
      return;
    }
    const started = this.ready;
    this.discard();
    // One that never started would fail again for every application waiting: they fail now.
    if (!started) this.failAll(`the transform worker did not start: ${e.message}`);
    this.pump();
  }

  private failAll(message: string): void {
    for (const job of this.queue.splice(0)) job.done({ ok: false, lost: 'failed', message });
  }
}

let shared: TransformWorker | undefined;

/** The process's transform worker, started with the first application. */
export const transformWorker = (constants: RuntimeConstants): TransformWorker => (shared ??= new TransformWorker(constants));
