import { readUpTo } from '../http/body';
import { ConnectorError, type ConnectorErrorFacts } from './errors';
import type { ResponseType } from './types';

/**
 * Response bodies, read with a cap: a vendor (or anything at the end of a misconfigured baseUrl)
 * cannot make a function buffer without bound. Past the cap the stream is cancelled.
 */
export async function readCapped(res: Response, limit: number): Promise<{ text: string; over: boolean }> {
  if (!res.body) return { text: '', over: false };
  const { bytes, over } = await readUpTo(res.body as unknown as AsyncIterable<Uint8Array>, limit);
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), over };
}

const isJsonType = (contentType: string | null) => contentType !== null && /[/+]json\b/i.test(contentType);

/** A JSON body, or undefined when it is not JSON (error bodies are parsed leniently). */
export function tryJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A 2xx body as asked: `none` discards it, `text` keeps it, `json` parses it: a body declared JSON
 * that does not parse is an error (typically an HTML page from a proxy: check baseUrl); an
 * undeclared one falls back to its text, and an empty one (204) is undefined.
 */
export function parseBody(text: string, contentType: string | null, expect: ResponseType, facts: ConnectorErrorFacts): unknown {
  if (expect === 'none') return undefined;
  if (expect === 'text') return text;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!isJsonType(contentType)) return text;
    throw new ConnectorError('connector_bad_response', `${facts.connector}: the answer to ${facts.method} ${facts.path} is not valid JSON; check the baseUrl of ${facts.connector}`, facts, e);
  }
}
