/**
 * The generic mapper's `time` value: an RFC 3339 string, or epoch seconds / milliseconds as a
 * number or as a numeric string (senders often quote them), read as epoch ms.
 */
import { epochMs, inRfc3339Range } from '../read';

/** Below this an epoch is in seconds (1e11 s is the year 5138; 1e11 ms is March 1973). */
const SECONDS_BELOW = 1e11;
const NUMERIC = /^[+-]?\d+(?:\.\d+)?$/;

/**
 * Epoch ms (an integer) of a time value; undefined when it is none or outside the years 0000-9999
 * (a Date holds more, but toISOString writes those years as +YYYYYY, no RFC 3339 time).
 */
export function epochOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v) ? Number(v) : undefined;
  const ms = n === undefined ? epochMs(v) : Math.round(n < SECONDS_BELOW ? n * 1000 : n);
  return ms !== undefined && Number.isFinite(ms) && inRfc3339Range(ms) ? ms : undefined;
}
