/**
 * The byte length of each top-level element of a JSON array, as sent: the size CloudEvents gives
 * an event (spec.md, "Size Limits": its wire size), for each event of a batch. JSON.parse keeps no
 * positions, and re-serialising an element measures something else (`1e20` is 5 bytes sent and 21
 * re-serialised; indentation goes the other way), so the body is scanned once here. Only for a
 * body JSON.parse has already accepted as an array: the scan trusts its syntax. Bytes, not
 * characters: no byte of a multi-byte UTF-8 sequence is a quote, backslash or bracket, so strings
 * are skipped byte by byte.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function jsonArrayElementSizes(body: Uint8Array): number[] {
  const sizes: number[] = [];
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0; // a UTF-8 byte order mark
  while (SPACE.has(body[i]!)) i++;
  i++; // the array's '['
  let depth = 0;
  let start = -1;
  let end = -1; // one past the element's last byte that is not white space
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (c === QUOTE) {
      if (start < 0) start = i;
      for (i++; body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
      end = i + 1;
    } else if (OPEN.has(c)) {
      if (start < 0) start = i;
      depth++;
    } else if (CLOSE.has(c)) {
      if (depth === 0) break; // the array's own ']'
      depth--;
      end = i + 1;
    } else if (c === COMMA && depth === 0) {
      sizes.push(end - start);
      start = -1;
    } else if (!SPACE.has(c)) {
      if (start < 0) start = i;
      end = i + 1;
    }
  }
  if (start >= 0) sizes.push(end - start);
  return sizes;
}
