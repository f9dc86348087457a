import { jsonLogger } from '../../shared/log/json-logger';
import { systemClock } from '../../shared/ports/clock';

/** Where a warning about a setting goes: a JSON log line on stdout, as the functions log. */
export type SettingWarning = (msg: string, fields: Record<string, unknown>) => void;

const stdoutWarning: SettingWarning = (msg, fields) =>
  jsonLogger({ clock: systemClock, write: (line) => process.stdout.write(`${line}\n`) }).warn(msg, fields);

/** The settings already warned about, by name and value: a function reads them per message. */
const warned = new Set<string>();

/**
 * A setting of the deployed function given as a whole number in an environment variable: its
 * value when it is one of 1 to `maxDigits` digits (spaces around allowed) and above 0, else the
 * caller's documented `fallback`. A value set but not such a number is a deployment mistake that
 * would otherwise go unseen: it is logged as a warning, once per process for each value.
 */
export function positiveIntegerEnv(env: NodeJS.ProcessEnv, name: string, maxDigits: number, fallback: number,
  warn: SettingWarning = stdoutWarning): number {
  const raw = env[name]?.trim();
  if (raw === undefined) return fallback;
  if (raw.length <= maxDigits && /^\d+$/.test(raw) && Number(raw) > 0) return Number(raw);
  const key = `${name}\u0000${raw}`;
  if (!warned.has(key)) {
    warned.add(key);
    warn(`${name} is not a whole number from 1 to ${'9'.repeat(maxDigits)}; the default ${fallback} applies`,
      { setting: name, value: raw.slice(0, 40), default: fallback });
  }
  return fallback;
}
