import type { Clock } from '../ports/clock';
import type { Logger, LogLevel } from '../ports/logger';
import { redact, redactFields } from './redact';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED = ['time', 'level', 'msg'] as const;

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
    const time = new Date(opts.clock.now()).toISOString();
    // The message is redacted like any field: it may quote an error.
    const text = redact(msg);
    let line: string;
    try {
      const entry = redactFields(base, fields);
      // A field cannot stand in for the line's own time, level or message (a field `msg:
      // 'metric'` would be counted by the metric filters): it is written with a `_` before it.
      for (const k of RESERVED) {
        if (!Object.hasOwn(entry, k)) continue;
        entry[`_${k}`] = entry[k];
        delete entry[k];
      }
      line = JSON.stringify({ time, level, msg: text, ...entry });
    } catch {
      // Logging never throws: redaction leaves what it cannot read as `[unreadable]`, so this is
      // the last line of defence, and says nothing that could itself fail to be written.
      line = JSON.stringify({ time, level, msg: text, logError: 'fields left out: they could not be written' });
    }
    opts.write(line);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => jsonLogger(Object.assign({}, opts, { fields: Object.assign({}, base, fields) })),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
