import type Jsonata from 'jsonata';
import type { JsonLengthWithin } from './json-size';

/**
 * Per-call budgets of a JSONata evaluation, enforced through jsonata's own extension points:
 * the `__evaluate_entry` / `__evaluate_exit` hooks it looks up in the environment on every
 * evaluation step (jsonata.js `evaluate`, 2.x), and functions registered over built-ins. These
 * checks stop loops, recursion and oversized results with a precise error; what runs past them
 * (one slow built-in call, a regular expression) is stopped by the worker's hard time limit
 * (./worker.ts).
 */
export type Limit = 'timeoutMs' | 'maxDepth' | 'maxOutputBytes' | 'sequence' | 'stringLength' | 'heap';

/** A budget that ran out, as plain data: it crosses the worker boundary, and ./jsonata.ts makes it an AppError. */
export interface Exceeded {
  code: 'transform_timeout' | 'transform_too_large';
  message: string;
  limit: Limit;
  value: number;
}

export interface Run {
  readonly now: () => number;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly maxDepth: number;
  readonly maxOutputBytes: number;
  readonly maxString: number;
  depth: number;
  /** Sticky: once set, every later step throws again, whatever jsonata does with the first throw. */
  exceeded?: Exceeded;
}

export type Budgets = ReturnType<typeof createBudgets>;

/**
 * The hooks and guards for one jsonata instance. Self-contained, it refers to nothing outside its
 * own body but its parameters: the transform worker is started from its source text (./worker.ts).
 */
export function createBudgets(jsonata: typeof Jsonata, jsonLengthWithin: JsonLengthWithin) {
  /** The binding that carries the Run: no JSONata `$name` can contain a space, so no expression reaches it. */
  const RUN = 'secorch budget';

  const tooLarge = (limit: Limit, value: number, message: string): Exceeded => ({ code: 'transform_too_large', message, limit, value });
  const timeout = (ms: number): Exceeded => ({ code: 'transform_timeout', message: `transform exceeded its ${ms} ms budget`, limit: 'timeoutMs', value: ms });

  function exceed(run: Run, exceeded: Exceeded): never {
    run.exceeded ??= exceeded;
    throw new Error(run.exceeded.message);
  }

  type Env = { lookup(name: string): unknown };
  const runOf = (env: Env): Run | undefined => env.lookup(RUN) as Run | undefined;

  /** Time and depth, on entry to every step: loops and recursion (tail calls included) go through here. */
  function onEntry(_expr: unknown, _input: unknown, env: Env): void {
    const run = runOf(env);
    if (run === undefined) return;
    if (run.exceeded) exceed(run, run.exceeded);
    if (++run.depth > run.maxDepth) exceed(run, tooLarge('maxDepth', run.maxDepth, `transform nested deeper than ${run.maxDepth} evaluation steps`));
    if (run.now() > run.deadline) exceed(run, timeout(run.timeoutMs));
  }

  /** Every intermediate string, on exit: repeated doubling (`$a & $a`) stops long before the heap does. */
  function onExit(_expr: unknown, _input: unknown, env: Env, result: unknown): void {
    const run = runOf(env);
    if (run === undefined) return;
    run.depth--;
    if (typeof result === 'string' && result.length > run.maxString) {
      exceed(run, tooLarge('stringLength', run.maxString, `transform built a string longer than ${run.maxString} characters`));
    }
  }

  /**
   * Built-ins that build their whole result in one call, which no hook sees: the size is checked
   * before delegating to the original. The hard time limit would stop them too, but late and
   * without saying why, and one allocation can exhaust the heap before it: `$pad("", 4e8)`, or
   * `$string` of a structure that shares a sub-array at every level (exponential JSON).
   */
  interface Guard {
    signature: string;
    /** The result's size, or undefined when it (or a string built on the way) exceeds the cap. */
    size: (args: unknown[], cap: number, run: Run) => number | undefined;
    /** `$pad` is slow per character (Array.join), so its width is held to the output budget. */
    cap: (run: Run) => number;
  }
  const GUARDS: Record<string, Guard> = {
    pad: {
      signature: '<s-ns?:s>',
      // jsonata joins one copy of the padding string per character of width, then cuts that to the
      // width: a 2,000-character padding made a 500-million-character string on the way.
      size: ([, width, padding], _cap, run) => {
        const w = Math.abs(width as number);
        const copy = typeof padding === 'string' && padding.length > 0 ? padding.length : 1;
        return w * copy > run.maxString ? undefined : w;
      },
      cap: (run) => run.maxOutputBytes,
    },
    string: { signature: '<x-b?:s>', size: ([value], cap) => jsonLengthWithin(value, cap), cap: (run) => run.maxString },
    join: {
      signature: '<a<s>s?:s>',
      size: ([strs, sep]) => {
        const parts = strs as string[];
        return parts.reduce((n, s) => n + s.length, 0) + Math.max(0, parts.length - 1) * ((sep as string | undefined) ?? '').length;
      },
      cap: (run) => run.maxString,
    },
  };

  type Builtin = { implementation: (this: Jsonata.Focus, ...args: unknown[]) => unknown };
  const originals = new Map<string, Promise<Builtin>>();
  const original = (name: string): Promise<Builtin> => {
    let p = originals.get(name);
    if (p === undefined) {
      p = jsonata(`$${name}`).evaluate(undefined) as Promise<Builtin>;
      originals.set(name, p);
    }
    return p;
  };

  /** Installs the hooks and guarded built-ins on a compiled expression. */
  function installBudgets(expression: Jsonata.Expression): void {
    expression.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, onEntry);
    expression.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, onExit);
    for (const [name, guard] of Object.entries(GUARDS)) {
      expression.registerFunction(name, async function (this: Jsonata.Focus, ...args: unknown[]) {
        const run = runOf(this.environment);
        if (run !== undefined) {
          const cap = guard.cap(run);
          const size = guard.size(args, cap, run);
          if (size === undefined || size > cap) exceed(run, tooLarge('stringLength', cap, `$${name} would build more than ${cap} characters`));
        }
        return (await original(name)).implementation.apply(this, args);
      }, guard.signature);
    }
  }

  return { RUN, installBudgets, tooLarge, timeout };
}
