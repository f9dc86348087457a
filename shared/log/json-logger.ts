import type { Clock } from '../ports/clock';
import type { Logger, LogLevel } from '../ports/logger';
import { redact } from './redact';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  level?: LogLevel;
  clock: Clock;
  /** Where a finished line goes; stdout in the providers, an array in tests. */
  write: (line: string) => void;
  fields?: Record<string, unknown>;
}

/** One JSON object per line, redacted, with time, level and message first. */
export function jsonLogger(opts: JsonLoggerOptions): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const base = opts.fields ?? {};
  const log = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const entry = redact({ ...base, ...fields }) as Record<string, unknown>;
    opts.write(JSON.stringify({ time: new Date(opts.clock.now()).toISOString(), level, msg, ...entry }));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => jsonLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
