/**
 * What may be handed to the logger for a thrown value. A job may reject with anything, and logging
 * some values as they are throws (JSON.stringify refuses a bigint; redaction runs an object's
 * getters), which would turn a reported failure into a lost tick. Errors pass through (the logger
 * keeps their name and message); other values become their type plus a JSON-safe copy or text.
 */
export function loggable(e: unknown): unknown {
  if (e instanceof Error) return e;
  if (e === null || e === undefined) return { thrown: String(e) };
  if (typeof e === 'object') {
    try {
      return { thrown: 'object', value: JSON.parse(JSON.stringify(e)) as unknown };
    } catch {
      return { thrown: 'object' };
    }
  }
  if (typeof e === 'function' || typeof e === 'symbol') return { thrown: typeof e };
  return { thrown: typeof e, value: String(e as string | number | boolean | bigint).slice(0, 500) };
}
