import type Jsonata from 'jsonata';
import type { Builtin, Env, Exceeded, Focus, Guard, Limit, Node, Run } from './budget-types';
import type { JsonLengthWithin } from './json-size';

export type { Budgets, Exceeded, Limit, Run } from './budget-types';

/**
 * Per-call budgets of a JSONata evaluation, enforced through jsonata's own extension points:
 * the `__evaluate_entry` / `__evaluate_exit` hooks it looks up in the environment on every
 * evaluation step (jsonata.js `evaluate`, 2.x), and functions registered over built-ins. These
 * checks stop loops, recursion and oversized results with a precise error; what runs past them
 * (one slow built-in call, a regular expression) is stopped by the worker's hard time limit
 * (./worker.ts).
 *
 * The same hooks keep jsonata's internals out of the expression's reach (see `onEntry`): the
 * worker that runs every tenant's transforms keeps its built-ins from one application to the next.
 *
 * The hooks and guards for one jsonata instance. Self-contained, it refers to nothing outside its
 * own body but its parameters: the transform worker is started from its source text (./worker.ts).
 */
export function createBudgets(jsonata: typeof Jsonata, jsonLengthWithin: JsonLengthWithin) {
  /** The binding that carries the Run: no JSONata `$name` can contain a space, so no expression names it. */
  const RUN = 'secorch budget';
  /** Runs handed out by `bindings`: the hooks take no other value for one (they fail closed). */
  const started = new WeakSet<object>();
  /** The bindings to evaluate with under `run`. */
  function bindings(run: Run): Record<string, unknown> {
    started.add(run);
    return { [RUN]: run };
  }

  const tooLarge = (limit: Limit, value: number, message: string): Exceeded => ({ code: 'transform_too_large', message, limit, value });
  const timeout = (ms: number): Exceeded => ({ code: 'transform_timeout', message: `transform exceeded its ${ms} ms budget`, limit: 'timeoutMs', value: ms });

  function exceed(run: Run, exceeded: Exceeded): never {
    run.exceeded ??= exceeded;
    throw new Error(run.exceeded.message);
  }

  /** Something the expression may not do (no budget ran out): a transform_failed. */
  function refuse(message: string): never {
    throw new Error(message);
  }

  /**
   * The run of the application under way. A value that `bindings` did not hand out is refused
   * rather than taken for "no budget": an expression that ever reached jsonata's environment
   * objects could bind the name to nothing, and every check would have let everything through.
   */
  function runOf(env: Env | undefined): Run {
    const run = env?.lookup(RUN);
    if (typeof run !== 'object' || run === null || !started.has(run)) refuse('transform evaluated without its budgets');
    return run as Run;
  }

  /** jsonata's function values: lambdas and built-ins are objects it marks, a regular expression is a JavaScript function. */
  const isFunction = (v: unknown): boolean =>
    typeof v === 'function' ||
    (typeof v === 'object' && v !== null && ((v as { _jsonata_function?: unknown })._jsonata_function === true || (v as { _jsonata_lambda?: unknown })._jsonata_lambda === true));

  /** The pattern and update clauses of the transform operators met so far (`$eval` parses new ones). */
  const clauses = new WeakMap<object, 'pattern' | 'update'>();

  /**
   * Time and depth, on entry to every step: loops and recursion (tail calls included) go through here.
   *
   * And the transform operator (`~> | pattern | update, delete |`), the one place jsonata writes
   * into an object the expression did not just build. It copies its input with whatever `$clone`
   * names in the expression's environment, then copies the update's own fields into what the
   * pattern matched. So a `$clone` the expression defines would have it write into jsonata's
   * built-in function objects, which every later application in the worker calls (one tenant's
   * lambda installed in `$uppercase` would see the next tenant's data); and an update that is a
   * function would copy that function's fields, a lambda's environment among them, into plain data
   * the expression can read (the budget's binding) and call (its `bind`, to unbind the budget).
   * Here the pattern is evaluated only with our `$clone`, and an update that is a function is refused.
   */
  function onEntry(expr: Node, _input: unknown, env: Env): void {
    const run = runOf(env);
    if (run.exceeded) exceed(run, run.exceeded);
    if (++run.depth > run.maxDepth) exceed(run, tooLarge('maxDepth', run.maxDepth, `transform nested deeper than ${run.maxDepth} evaluation steps`));
    if (run.now() > run.deadline) exceed(run, timeout(run.timeoutMs));
    if (expr.type === 'transform') {
      if (expr.pattern) clauses.set(expr.pattern, 'pattern');
      if (expr.update) clauses.set(expr.update, 'update');
    } else if (clauses.get(expr) === 'pattern' && (env.lookup('clone') as { implementation?: unknown } | undefined)?.implementation !== wrappers.get('clone')) {
      refuse('the transform operator copies with $clone, which cannot be redefined');
    }
  }

  /** Every intermediate string, on exit: repeated doubling (`$a & $a`) stops long before the heap does. */
  function onExit(expr: Node, _input: unknown, env: Env, result: unknown): void {
    const run = runOf(env);
    run.depth--;
    if (typeof result === 'string' && result.length > run.maxString) {
      exceed(run, tooLarge('stringLength', run.maxString, `transform built a string longer than ${run.maxString} characters`));
    }
    if (clauses.get(expr) === 'update' && isFunction(result)) refuse('the update of a transform (| pattern | update |) must be an object, not a function');
  }

  /** How `$string` and `$clone` write a value: JSON, with functions as "". */
  const asJsonataString = (v: unknown): unknown => (isFunction(v) ? '' : v);

  /** Width modifiers of a date-time picture (`[Y,8]`, `[f,1-3]`), summed: jsonata pads each component to its width in one call. */
  function pictureWidths(picture: unknown): number {
    if (typeof picture !== 'string') return 0;
    let total = 0;
    for (let at = picture.indexOf('['); at !== -1; at = picture.indexOf('[', at)) {
      if (picture[at + 1] === '[') {
        at += 2; // `[[` is a literal bracket
        continue;
      }
      const end = picture.indexOf(']', at);
      if (end === -1) break; // jsonata refuses it (D3135)
      const marker = picture.slice(at + 1, end).replace(/\s+/g, '');
      const comma = marker.lastIndexOf(',');
      if (comma !== -1) {
        for (const width of marker.slice(comma + 1).split('-')) {
          const n = parseInt(width, 10);
          if (n > 0) total += n;
        }
      }
      at = end + 1;
    }
    return total;
  }

  /** Holds a result of `size` characters (undefined: past any cap) to `cap`. */
  function within(name: string, run: Run, cap: number, size: number | undefined): void {
    if (size === undefined || size > cap) exceed(run, tooLarge('stringLength', cap, `$${name} would build more than ${cap} characters`));
  }

  /**
   * What encodeURIComponent leaves as it is, by ASCII code; encodeURI also leaves the characters
   * that delimit the parts of a URI. Every other character becomes `%XX` per byte of its UTF-8.
   */
  const uriKept = (delimiters: string): boolean[] =>
    Array.from({ length: 128 }, (_, c) => /[A-Za-z0-9\-_.!~*'()]/.test(String.fromCharCode(c)) || delimiters.includes(String.fromCharCode(c)));
  const KEPT_BY_URI = { encodeUrl: uriKept(';,/?:@&=+$#'), encodeUrlComponent: uriKept('') };

  /**
   * A bound on the length of `s` percent-encoded that is within `cap`, or undefined past it. A
   * character is nine at most (three bytes of UTF-8): counted only when that many could exceed
   * the cap, and then exactly (a surrogate pair is four bytes, twelve characters).
   */
  function uriEncodedWithin(s: string, kept: readonly boolean[], cap: number): number | undefined {
    if (s.length * 9 <= cap) return s.length * 9;
    let n = 0;
    for (let i = 0; i < s.length && n <= cap; i++) {
      const c = s.charCodeAt(i);
      n += c < 0x80 ? (kept[c] ? 1 : 3) : c < 0x800 ? 6 : c >= 0xd800 && c <= 0xdfff ? 6 : 9;
    }
    return n <= cap ? n : undefined;
  }

  /** Whether `$spread` would take a built-in apart (it leaves lambdas whole): at the top or in nested arrays. */
  const holdsBuiltin = (v: unknown): boolean =>
    Array.isArray(v) ? v.some(holdsBuiltin) : typeof v === 'object' && v !== null && (v as { _jsonata_function?: unknown })._jsonata_function === true;

  /**
   * Built-ins registered over jsonata's own. Most build their whole result in one call, which no
   * hook sees: the size is checked before delegating to the original. The hard time limit would
   * stop them too, but late and without saying why, and one allocation can exhaust the heap before
   * it: `$pad("", 4e8)`, `$fromMillis(0, "[Y,2e8]")`, or `$string` of a structure that shares a
   * sub-array at every level (exponential JSON). Arrays as well as strings: a string within the
   * string cap splits into millions of items, eight bytes each, in one allocation.
   */
  const GUARDS: Record<string, Guard> = {
    pad: {
      arity: 3,
      signature: '<s-ns?:s>',
      // jsonata joins one copy of the padding string per character of width, then cuts that to the
      // width: a 2,000-character padding made a 500-million-character string on the way. It is
      // also slow per character (Array.join), so the width is held to the output budget.
      check: ([, width, padding], run, name) => {
        const w = Math.abs(width as number);
        const copy = typeof padding === 'string' && padding.length > 0 ? padding.length : 1;
        within(name, run, run.maxOutputBytes, w * copy > run.maxString ? undefined : w);
      },
    },
    string: {
      arity: 2,
      length: 1, // jsonata's `string(arg, prettify = false)`: `$map(values, $string)` passes values only
      signature: '<x-b?:s>',
      check: ([value, prettify], run, name) =>
        within(name, run, run.maxString, jsonLengthWithin(value, run.maxString, { replace: asJsonataString, indent: prettify === true ? 2 : 0 })),
    },
    join: {
      arity: 2,
      signature: '<a<s>s?:s>',
      check: ([strs, sep], run, name) => {
        // Undefined when the expression gives nothing to join (a field the event lacks): jsonata answers undefined.
        const parts = (strs as string[] | undefined) ?? [];
        within(name, run, run.maxString, parts.reduce((n, s) => n + s.length, 0) + Math.max(0, parts.length - 1) * ((sep as string | undefined) ?? '').length);
      },
    },
    // JSON.parse($string(value)); also what the transform operator copies its input with.
    clone: {
      arity: 1,
      signature: '<(oa)-:o>',
      check: ([value], run, name) => within(name, run, run.maxString, jsonLengthWithin(value, run.maxString, { replace: asJsonataString })),
    },
    fromMillis: {
      arity: 3,
      signature: '<n-s?s?:s>',
      check: ([, picture], run, name) => within(name, run, run.maxString, pictureWidths(picture)),
    },
    // jsonata binds $now and $millis per compiled expression to the real time its last evaluation
    // started: ours give the run's, from the caller's clock, with $now's picture held like $fromMillis's.
    now: {
      arity: 2,
      signature: '<s?s?:s>',
      check: ([picture], run, name) => within(name, run, run.maxString, pictureWidths(picture)),
      call: async (focus, [picture, timezone], run) => (await original('fromMillis')).implementation.apply(focus, [run.timestamp, picture, timezone]),
    },
    millis: { arity: 0, signature: '<:n>', call: async (_focus, _args, run) => run.timestamp },
    // jsonata splits with String.prototype.split, which allocates the whole array at once:
    // `$split($s, "")` of a string at the 4-million-character cap is a 32 MB array, past the 16 MB
    // by which one allocation may overrun the worker's heap cap (./worker.ts): V8 then aborts the
    // whole process. The item count is known only once split, so the split is limited to one item
    // more than a sequence may hold (jsonata passes the limit on to String.prototype.split, and its
    // loop over the matches of a regular expression stops there): that item says it would not fit.
    split: {
      arity: 3,
      signature: '<s-(sf)n?:a<s>>',
      call: async (focus, [str, separator, limit], run) => {
        const cap = run.maxSequence;
        // A limit within the cap passes as given (jsonata's own truncation of 100000.5 included).
        const capped = limit === undefined ? cap + 1 : Math.min(limit as number, cap + 1);
        const parts = await (await original('split')).implementation.apply(focus, [str, separator, capped]);
        if (Array.isArray(parts) && parts.length > cap) exceed(run, tooLarge('sequence', cap, `$split would build more than ${cap} items`));
        return parts;
      },
    },
    // Up to nine characters per character (`€` is `%E2%82%AC`), built in one call.
    encodeUrl: {
      arity: 1,
      signature: '<s-:s>',
      check: ([str], run, name) => {
        if (typeof str === 'string') within(name, run, run.maxString, uriEncodedWithin(str, KEPT_BY_URI.encodeUrl, run.maxString));
      },
    },
    encodeUrlComponent: {
      arity: 1,
      signature: '<s-:s>',
      check: ([str], run, name) => {
        if (typeof str === 'string') within(name, run, run.maxString, uriEncodedWithin(str, KEPT_BY_URI.encodeUrlComponent, run.maxString));
      },
    },
    spread: {
      arity: 1,
      signature: '<x-:a<o>>',
      // jsonata splits a built-in function object into its fields: its JavaScript implementation
      // and signature, callable without the signature's checks.
      check: ([value]) => {
        if (holdsBuiltin(value)) refuse('$spread cannot take a function apart');
      },
    },
  };

  const originals = new Map<string, Promise<Builtin>>();
  const original = (name: string): Promise<Builtin> => {
    let p = originals.get(name);
    if (p === undefined) {
      p = jsonata(`$${name}`).evaluate(undefined) as Promise<Builtin>;
      originals.set(name, p);
    }
    return p;
  };

  /** One implementation per guarded built-in for the worker's life: the transform operator's check knows `$clone` by it. */
  const wrappers = new Map<string, (this: Focus, ...args: unknown[]) => Promise<unknown>>();
  for (const [name, guard] of Object.entries(GUARDS)) {
    const call = async (focus: Focus, args: unknown[]): Promise<unknown> => {
      const run = runOf(focus?.environment);
      guard.check?.(args, run, name);
      return guard.call ? guard.call(focus, args, run) : (await original(name)).implementation.apply(focus, args);
    };
    const byArity = [
      async function (this: Focus) {
        return call(this, []);
      },
      async function (this: Focus, a: unknown) {
        return call(this, [a]);
      },
      async function (this: Focus, a: unknown, b: unknown) {
        return call(this, [a, b]);
      },
      async function (this: Focus, a: unknown, b: unknown, c: unknown) {
        return call(this, [a, b, c]);
      },
    ];
    const wrapper = byArity[guard.arity] as (this: Focus, ...args: unknown[]) => Promise<unknown>;
    if (guard.length !== undefined) Object.defineProperty(wrapper, 'length', { value: guard.length });
    wrappers.set(name, wrapper);
  }

  /** Installs the hooks and guarded built-ins on a compiled expression. */
  function installBudgets(expression: Jsonata.Expression): void {
    expression.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, onEntry);
    expression.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, onExit);
    for (const [name, guard] of Object.entries(GUARDS)) expression.registerFunction(name, wrappers.get(name)!, guard.signature);
  }

  return { bindings, installBudgets, tooLarge, timeout };
}
