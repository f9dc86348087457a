import type { Clock } from '../ports/clock';
import type { Logger, LogLevel } from '../ports/logger';
import { redact, redactText } from './redact';

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
    // Object.assign, not `{ ...base, ...fields }`: on Node 20's V8 the keys a second spread adds
    // to the first one's copy cost about half a microsecond each.
    const time = new Date(opts.clock.now()).toISOString();
    let line: string;
    try {
      const entry = redact(Object.assign({}, base, fields)) as Record<string, unknown>;
      line = JSON.stringify({ time, level, msg, ...entry });
    } catch (e) {
      // Logging never throws: a field that cannot be written (a getter that throws, a cycle past
      // redaction's depth) would otherwise turn the failure being reported into another one.
      line = JSON.stringify({ time, level, msg, logError: `fields left out: ${redactText(e instanceof Error ? e.message : String(e)).slice(0, 200)}` });
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
