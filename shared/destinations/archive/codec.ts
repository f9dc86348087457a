import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const JSON_LINES = 'application/x-ndjson';

/**
 * JSON Lines (https://jsonlines.org/): one structured CloudEvent per line, each line ending in
 * '\n'. The values are written as buffered: JSON.stringify output never contains a raw newline.
 * Compressed off the event loop's thread (zlib's async API uses the libuv pool).
 */
export async function encodeJsonLines(lines: readonly string[]): Promise<Uint8Array> {
  return new Uint8Array(await gzipAsync(lines.map((l) => `${l}\n`).join('')));
}

export async function decodeJsonLines(body: Uint8Array): Promise<unknown[]> {
  const text = (await gunzipAsync(body)).toString('utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown);
}
