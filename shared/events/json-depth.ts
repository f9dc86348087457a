/**
 * The nesting depth of a parsed JSON document, checked where untrusted JSON enters over HTTP.
 * JSON.parse takes any depth, but JSON.stringify, structuredClone and recursive code (a bus
 * serialising an event, a merge patch) overflow the stack a few thousand levels down, and a
 * 64 KiB body holds 30,000 nested arrays: such a document must be refused as a 400, not become a
 * 500 or a publish that fails on every retry. Real documents (OCSF findings, SARIF results,
 * subscription filters at their 32 levels of all/any/not) nest a few dozen levels at most.
 */
export const MAX_JSON_DEPTH = 200;

/**
 * True when `value` nests arrays and objects more than `max` levels deep. Iterative: never
 * recurses. Given the bytes it was parsed from, it first counts their `{` and `[` (memchr-fast,
 * about a microsecond for a 9 KB webhook): a document with at most `max` of them cannot be
 * deeper, and the walk, a few microseconds more, is skipped on the webhook path.
 */
export function nestedDeeperThan(value: unknown, max = MAX_JSON_DEPTH, source?: Uint8Array): boolean {
  if (source !== undefined && opensAtMost(source, max)) return false;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Whether `bytes` hold at most `max` bytes `{` and `[` (those inside strings count too: a bound). */
function opensAtMost(bytes: Uint8Array, max: number): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (const open of [0x7b, 0x5b]) {
    for (let i = buf.indexOf(open); i !== -1; i = buf.indexOf(open, i + 1)) if (++n > max) return false;
  }
  return true;
}
