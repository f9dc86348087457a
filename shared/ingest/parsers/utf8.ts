/**
 * UTF-8 checking for the line-oriented formats (CSV, JSON Lines). Their decoders replace bytes
 * that are not UTF-8 with U+FFFD without a word, so a CSV saved as Windows-1252 (Excel's default
 * "CSV") would become findings with mangled titles, fingerprints and resource names. Such a
 * report is refused instead, naming the line, for the operator to re-save it as UTF-8.
 */
import { ReportError, type ReportFormat } from '../types';

const LF = 0x0a;

function countLf(bytes: Uint8Array, end = bytes.length): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i !== -1 && i < end; i = bytes.indexOf(LF, i + 1)) n += 1;
  return n;
}

/**
 * Where in `chunk` the first byte that is not UTF-8 is, roughly: continuation bytes at its start
 * finish the previous chunk's character and are skipped; a U+FFFD the text really holds earlier in
 * the chunk would point a little early, which only moves the line named in the message.
 */
function badOffset(chunk: Uint8Array): number {
  let start = 0;
  while (start < 3 && start < chunk.length && (chunk[start]! & 0xc0) === 0x80) start += 1;
  const text = new TextDecoder().decode(chunk.subarray(start));
  const at = text.indexOf('\uFFFD');
  return at === -1 ? chunk.length : start + Buffer.byteLength(text.slice(0, at));
}

/** Passes the chunks through, throwing report_invalid at the first line that is not UTF-8. */
export async function* utf8Only(body: AsyncIterable<Uint8Array>, format: ReportFormat): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  const refuse = (at: number) => new ReportError('report_invalid', `Line ${at} is not UTF-8 text: re-save the report as UTF-8`, format, `line ${at}`);
  for await (const chunk of body) {
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw refuse(line + countLf(chunk, badOffset(chunk)));
    }
    line += countLf(chunk);
    yield chunk;
  }
  try {
    decoder.decode();
  } catch {
    // The report ends inside a character.
    throw refuse(line);
  }
}
