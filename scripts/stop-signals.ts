/**
 * How npm start reads SIGINT and SIGTERM: the first asks everything to stop (the workers finish
 * what they hold), a second kills at once. A signal repeated within `repeatMs` of the first is the
 * same request, not a second one: one Ctrl-C can reach npm start twice. The terminal signals the
 * whole process group, and tsx, whose CLI runs start.ts in a child process, also relays the signal
 * it got to that child unless the child reports having had it within 30 ms; tsx listens for that
 * report only once its own handler runs, so a report that comes first is missed and the relay
 * follows a few milliseconds later. Counted as a second Ctrl-C, it killed every worker mid-batch
 * on an ordinary Ctrl-C. A supervisor that signals the group and the process alike does the same.
 */
export interface StopSignalOptions {
  now: () => number;
  /** The first signal: ask every process to stop. */
  stop: (sig: NodeJS.Signals) => void;
  /** A later signal, `repeatMs` or more after the first: kill everything. */
  kill: () => void;
  repeatMs?: number;
}

export const REPEAT_MS = 1000;

export function stopSignals(opts: StopSignalOptions): { onSignal: (sig: NodeJS.Signals) => void; stopping: () => boolean } {
  const repeatMs = opts.repeatMs ?? REPEAT_MS;
  let first: number | undefined;
  let killed = false;
  return {
    onSignal(sig) {
      const now = opts.now();
      if (first === undefined) {
        first = now;
        opts.stop(sig);
      } else if (!killed && now - first >= repeatMs) {
        killed = true;
        opts.kill();
      }
    },
    stopping: () => first !== undefined,
  };
}
