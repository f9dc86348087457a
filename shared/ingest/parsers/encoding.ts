/**
 * Content that is no text report at all, named so the ingest.failed reason tells the operator what
 * to change: reports are read as UTF-8 (RFC 8259 section 8.1 requires it of JSON exchanged between
 * systems) and are never decompressed, so a gzip file cannot expand into a bomb here.
 */

/** The first bytes (RFC 1952 section 2.3.1 for gzip; Unicode byte order marks). */
const SIGNATURES: [number[], string][] = [
  [[0x1f, 0x8b], 'gzip-compressed content: upload the report uncompressed'],
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32 text: re-encode the report as UTF-8'],
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32 text: re-encode the report as UTF-8'],
  [[0xff, 0xfe], 'UTF-16 text: re-encode the report as UTF-8'],
  [[0xfe, 0xff], 'UTF-16 text: re-encode the report as UTF-8'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive: upload the report itself'],
];

const startsWith = (bytes: Uint8Array, sig: number[]) => sig.every((b, i) => bytes[i] === b);

/** Why `head` (the first bytes read) is not a text report, or undefined when it may be one. */
export function binaryKind(head: Uint8Array): string | undefined {
  const known = SIGNATURES.find(([sig]) => startsWith(head, sig));
  if (known !== undefined) return `Not a text report: ${known[1]}`;
  // UTF-16 without a byte order mark puts a NUL beside every ASCII character; text never holds one.
  if (head.subarray(0, 4096).includes(0)) return 'Not a text report: NUL bytes (UTF-16 without a byte order mark, or a binary file); reports are read as UTF-8';
  return undefined;
}
