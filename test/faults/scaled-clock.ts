import type { Clock } from '../../shared/ports';

/**
 * A clock that runs `scale` times faster than the real one from (realStart, virtualStart): the
 * fault test compresses the day-long retry schedule into seconds. Parent and worker processes
 * build it from the same numbers, so they agree on what is due.
 */
export function scaledClock(virtualStart: number, realStart: number, scale: number): Clock {
  return { now: () => virtualStart + Math.floor((Date.now() - realStart) * scale) };
}
