/**
 * The generic mapper's `time` value: an RFC 3339 string, or epoch seconds / milliseconds as a
 * number or as a numeric string (senders often quote them), read as epoch ms.
 */
import { epochMs } from '../read';

/** The largest |epoch ms| a Date holds (ECMA-262 TimeClip); beyond it toISOString throws. */
const MAX_MS = 8.64e15;
/** Below this an epoch is in seconds (1e11 s is the year 5138; 1e11 ms is March 1973). */
const SECONDS_BELOW = 1e11;
const NUMERIC = /^[+-]?\d+(?:\.\d+)?$/;

/** Epoch ms (an integer) of a time value; undefined when it is none or a Date cannot hold it. */
export function epochOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v) ? Number(v) : undefined;
  const ms = n === undefined ? epochMs(v) : Math.round(n < SECONDS_BELOW ? n * 1000 : n);
  return ms !== undefined && Number.isFinite(ms) && Math.abs(ms) <= MAX_MS ? ms : undefined;
}
