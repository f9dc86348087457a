import { isAscii, isUtf8 } from 'node:buffer';
import { formData } from './twilio-parts';

/**
 * What Twilio signs for a form request, the URL then the parameters (formData's result), as UTF-8
 * bytes built straight from the body's bytes. Why a hand-written parser: building JS strings
 * (decodeURIComponent, a string per name and value, a comparator sort, concatenation) cost twice
 * the HMAC, while twilio-node, given parameters a framework already parsed, pays the HMAC alone.
 * Here one pass over the bytes finds the pairs, names are sorted as numbers made of their first
 * bytes, and the pairs are copied (values percent-decoded) after the URL into one buffer: the
 * HMAC takes a single update() and no string is made.
 *
 * The fast path takes the common case only: an ASCII body (Twilio percent-encodes the rest),
 * names without escapes (their byte order is then formData's code-unit order), each name once,
 * and decoded values that are valid UTF-8 (formData's UTF-8 decoding then changes nothing). It
 * declines anything else and formData decides, so the signed bytes are the same in every case;
 * twilio-form.test.ts checks both against the WHATWG parser.
 *
 * Speed: bytes are scanned and copied four at a time, as DataView words (unaligned is fine), and
 * one buffer is read and written (the body is first copied into the one the result is built
 * in): once any ArrayBuffer in the process has been detached (streams do it), V8 checks for that
 * on every typed-array access, and a loop over two buffers pays twice.
 */

const AMP = 0x26;
const EQ = 0x3d;
const PERCENT = 0x25;
const PLUS = 0x2b;
const SPACE = 0x20;
/** More pairs than this go to formData: insertion sort is quadratic. Twilio sends about 20-40. */
const MAX_PAIRS = 128;
/** Names compared in full (their first 5 bytes equal) before formData takes over: bounds the work. */
const MAX_TIES = 256;
/** The shared scratch buffer's size; a body and URL that need more get a buffer of their own. */
const SCRATCH = 16384;
/** Word copies may write up to 3 bytes past the result: room for them. */
const SLACK = 4;

/** Hex digit values by byte, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) {
  HEX['0123456789abcdef'.charCodeAt(d)] = d;
  HEX['0123456789ABCDEF'.charCodeAt(d)] = d;
}

// Scratch space reused by every call: verification is synchronous and hashes the result at once.
/** Per pair: name start, name end (its '=', or the pair's end without one), pair end. */
const bounds = new Int32Array(MAX_PAIRS * 3);
/** Per pair: 1 when the value has a '%' or '+' to decode. */
const escaped = new Uint8Array(MAX_PAIRS);
/** The pairs in name order, each as sortKey * 128 + its index (below 2^46: exact in a double). */
const sorted = new Float64Array(MAX_PAIRS);
/** The body's bytes, then the result: the URL and the parameters (never longer than the body). */
const scratch = Buffer.alloc(SCRATCH);
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, SCRATCH);
/** Full name comparisons in this call, against MAX_TIES. */
let ties = 0;

/** Keeps the first n bytes (0-4) of a big-endian word. */
const HEAD = [0, 0xff000000 | 0, 0xffff0000 | 0, 0xffffff00 | 0, -1];

/**
 * The first 5 bytes of a name as a number that orders like the name (a big-endian word, then a
 * byte): zero-padded, so a name that is a prefix of another sorts first. Equal keys are compared
 * in full. ASCII bytes keep the word positive.
 */
function sortKey(buf: Buffer, view: DataView, start: number, end: number): number {
  const n = end - start;
  return (view.getInt32(start) & HEAD[n < 4 ? n : 4]!) * 256 + (n > 4 ? buf[start + 4]! : 0);
}

/** Name of pair a against name of pair b, bytewise: negative, 0 or positive. */
function compareNames(buf: Buffer, a: number, b: number): number {
  let i = bounds[a * 3]!;
  let j = bounds[b * 3]!;
  const aEnd = bounds[a * 3 + 1]!;
  const bEnd = bounds[b * 3 + 1]!;
  for (; i < aEnd && j < bEnd; i++, j++) {
    if (buf[i] !== buf[j]) return buf[i]! - buf[j]!;
  }
  return aEnd - i - (bEnd - j);
}

/** Records pair `count` and sorts it in: the new count, or -1 (a repeated name, too many pairs or ties). */
function addPair(buf: Buffer, view: DataView, count: number, start: number, nameEnd: number, end: number, flag: number): number {
  if (count === MAX_PAIRS) return -1;
  bounds[count * 3] = start;
  bounds[count * 3 + 1] = nameEnd;
  bounds[count * 3 + 2] = end;
  escaped[count] = flag;
  const base = sortKey(buf, view, start, nameEnd) * 128;
  let k = count;
  for (; k > 0; k--) {
    const other = sorted[k - 1]!;
    if (other < base) break; // a smaller key
    if (other < base + 128) { // the same key: compare the names
      if (++ties > MAX_TIES) return -1;
      const d = compareNames(buf, other - base, count);
      if (d === 0) return -1;
      if (d < 0) break;
    }
    sorted[k] = other;
  }
  sorted[k] = base + count;
  return count + 1;
}

/** Index of the lowest flagged byte of a nonzero SWAR mask (bit 7 of each byte): 0-3. */
const firstByte = (m: number): number => (31 - Math.clz32(m ^ ((m - 1) | 0))) >> 3;

/**
 * Finds the pairs of buf[0, len), an ASCII body, and sorts them: the pair count, or -1 to
 * decline. Four bytes are tested at once (SWAR) as one little-endian word w: with ASCII bytes,
 * (w - 0x2c2c2c2c) & ~w & 0x80808080 flags the bytes below 0x2c ('+' and below), the lowest flag
 * exactly (a borrow can only flag a byte above a flagged one), and (e - 0x01010101) & ~e on
 * e = w ^ 0x3d3d3d3d flags the '=' bytes alike.
 */
function scanAndSort(buf: Buffer, view: DataView, len: number): number {
  let count = 0;
  ties = 0;
  for (let start = 0; start < len && count !== -1; ) {
    let i = start;
    let c = 0;
    for (; i < len; i++) {
      if (i + 4 <= len) {
        const w = view.getInt32(i, true);
        const e = w ^ 0x3d3d3d3d;
        const m = ((((w - 0x2c2c2c2c) | 0) & ~w) | (((e - 0x01010101) | 0) & ~e)) & 0x80808080;
        if (m === 0) {
          i += 3;
          continue;
        }
        i += firstByte(m);
      }
      c = buf[i]!;
      if (c > PLUS && c !== EQ) continue;
      if (c === EQ || c === AMP) break;
      if (c === PERCENT || c === PLUS) return -1; // a name that decodes
      // Another byte below '+' (a space, punctuation): kept.
    }
    const nameEnd = i;
    let flag = 0;
    if (i < len && c === EQ) {
      for (i++; i < len; i++) {
        if (i + 4 <= len) {
          const w = view.getInt32(i, true);
          const m = ((w - 0x2c2c2c2c) | 0) & ~w & 0x80808080;
          if (m === 0) {
            i += 3;
            continue;
          }
          i += firstByte(m);
        }
        c = buf[i]!;
        if (c > PLUS) continue;
        if (c === AMP) break;
        if (c === PERCENT || c === PLUS) flag = 1;
      }
    }
    // An empty pair ('&&') is skipped, as URLSearchParams does.
    if (i > start) count = addPair(buf, view, count, start, nameEnd, i, flag);
    start = i + 1;
  }
  return count;
}

/**
 * The fast path: url then the UTF-8 of formData(body), as a view of scratch space valid until
 * the next call, or undefined where formData must decide.
 */
export function fastSignedForm(body: Uint8Array, url: Uint8Array): Uint8Array | undefined {
  if (!isAscii(body)) return undefined;
  const len = body.length;
  const size = 2 * len + url.length + SLACK;
  const big = size > SCRATCH;
  const buf = big ? Buffer.allocUnsafe(size) : scratch;
  buf.set(body);
  const dv = big ? new DataView(buf.buffer, buf.byteOffset, size) : scratchView;
  const count = scanAndSort(buf, dv, len);
  if (count === -1) return undefined;
  buf.set(url, len);
  let n = len + url.length;
  let high = 0;
  for (let p = 0; p < count; p++) {
    const pair = sorted[p]! & 127; // the index: the low 7 bits of an integer below 2^46
    const start = bounds[pair * 3]!;
    const nameEnd = bounds[pair * 3 + 1]!;
    const end = bounds[pair * 3 + 2]!;
    // Whole words: the bytes past a piece's end are overwritten by the next piece (or unused).
    for (let i = start, to = n; i < nameEnd; i += 4, to += 4) dv.setInt32(to, dv.getInt32(i, true), true);
    n += nameEnd - start;
    if (escaped[pair] === 0) {
      for (let i = nameEnd + 1, to = n; i < end; i += 4, to += 4) dv.setInt32(to, dv.getInt32(i, true), true);
      if (end > nameEnd) n += end - nameEnd - 1; // a pair without '=' has no value
      continue;
    }
    // The urlencoded parser: '+' is a space, '%' and two hex digits a byte, any other '%' itself.
    for (let i = nameEnd + 1; i < end; ) {
      if (i + 4 <= end) {
        // Ordinary bytes a word at a time, up to the first '+' or below.
        const w = dv.getInt32(i, true);
        const m = ((w - 0x2c2c2c2c) | 0) & ~w & 0x80808080;
        dv.setInt32(n, w, true);
        if (m === 0) {
          i += 4;
          n += 4;
          continue;
        }
        const k = firstByte(m);
        i += k;
        n += k;
      }
      let c = buf[i++]!;
      if (c === PLUS) c = SPACE;
      else if (c === PERCENT && i + 1 < end) {
        const hi = HEX[buf[i]!]!;
        const lo = HEX[buf[i + 1]!]!;
        if ((hi | lo) >= 0) {
          c = (hi << 4) | lo;
          i += 2;
        }
      }
      high |= buf[n++] = c;
    }
  }
  const data = buf.subarray(len, n);
  // A decoded byte above 0x7f: formData decodes each value as UTF-8, replacing what is not. Where
  // the whole is valid, so is each value (the URL is a string's UTF-8, ASCII names lie between
  // values, an empty name sorts first), and that decoding changes nothing.
  if (high >= 0x80 && !isUtf8(data)) return undefined;
  return data;
}

/** url (UTF-8) then the UTF-8 of formData(body): what Twilio signs for a form request. */
export const signedForm = (body: Uint8Array, url: Uint8Array): Uint8Array =>
  fastSignedForm(body, url) ?? Buffer.concat([url, Buffer.from(formData(body))]);
