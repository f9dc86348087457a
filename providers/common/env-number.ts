/**
 * A setting of the deployed function given as a whole number in an environment variable: its
 * value when it is one of 1 to `maxDigits` digits (spaces around allowed) and above 0, else
 * undefined, and the caller's documented default applies.
 */
export function positiveIntegerEnv(env: NodeJS.ProcessEnv, name: string, maxDigits: number): number | undefined {
  const raw = env[name]?.trim();
  return raw !== undefined && raw.length <= maxDigits && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;
}
