import { AppError } from '../../../errors';
import type { Verified, VerifyInput } from '../../types';

/** Helpers for the vendor scheme tests (not a test file itself). */

/** The fixed injected clock of the tests, epoch ms (2023-11-14T22:13:20Z). */
export const NOW = 1_700_000_000_000;
export const NOW_S = NOW / 1000;

export const input = (headers: Record<string, string>, body: Uint8Array | string, over: Partial<VerifyInput> = {}): VerifyInput => ({
  headers: new Headers(headers),
  body: typeof body === 'string' ? Buffer.from(body) : body,
  url: 'https://hooks.example.com/webhooks/vendor',
  now: NOW,
  ...over,
});

/** 'accepted', or the code of the 401 AppError the verifier threw. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(401);
    return (e as AppError).code;
  }
  return 'accepted';
}

/** The error thrown, as text a log or a problem document could show. */
export function errorText(fn: () => Verified): string {
  try {
    fn();
  } catch (e) {
    return JSON.stringify({ message: (e as Error).message, extra: (e as AppError).extra });
  }
  throw new Error('expected a rejection');
}

/** The same bytes with one byte changed. */
export function flipByte(bytes: Uint8Array | string, at = 10): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** The same text with one character replaced by another of the same alphabet. */
export function flipChar(text: string, at: number): string {
  const c = text[at]!;
  const other = c === 'a' ? 'b' : c === 'A' ? 'B' : c === '0' ? '1' : /[0-9]/.test(c) ? '0' : /[a-z]/.test(c) ? 'a' : 'A';
  return text.slice(0, at) + other + text.slice(at + 1);
}

/** An RFC 3339 date-time `offsetS` seconds from NOW, as Zendesk stamps it. */
export const isoAt = (offsetS = 0): string => new Date(NOW + offsetS * 1000).toISOString().replace('.000Z', 'Z');
