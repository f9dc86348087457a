/**
 * The types of ./budget.ts. Its factory is started from its source text in the transform worker,
 * so nothing it runs can live outside its body; its types, erased on compilation, can.
 */
/** What createBudgets returns: the worker's runtime and ./jsonata.ts use it. */
export type Budgets = ReturnType<typeof import('./budget').createBudgets>;

export type Limit = 'timeoutMs' | 'maxDepth' | 'maxOutputBytes' | 'outputDepth' | 'sequence' | 'stringLength' | 'heap';

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
  /** Items in one JSONata sequence (jsonata's `sequence` option), and so in an array one built-in call builds. */
  readonly maxSequence: number;
  /** Epoch milliseconds, from the caller's clock: what `$now()` and `$millis()` give throughout the application. */
  readonly timestamp: number;
  depth: number;
  /** Sticky: once set, every later step throws again, whatever jsonata does with the first throw. */
  exceeded?: Exceeded;
}

export type Env = { lookup(name: string): unknown };
export type Node = { type?: string; pattern?: object; update?: object };
export type Focus = { environment?: Env } | undefined;

/** A built-in registered over jsonata's own (GUARDS in ./budget.ts). */
export interface Guard {
  /** The built-in's parameters: jsonata reads their names from the source to apply it partially (`$pad(?, 5)`). */
  arity: 0 | 1 | 2 | 3;
  /** The built-in's `length` where it differs: higher-order functions pass that many arguments. */
  length?: number;
  signature: string;
  /** Throws before the call when these arguments are refused. */
  check?: (args: unknown[], run: Run, name: string) => void;
  /** The call; by default the built-in of the same name. */
  call?: (focus: Focus, args: unknown[], run: Run) => Promise<unknown>;
}

export type Builtin = { implementation: (this: Focus, ...args: unknown[]) => unknown };
