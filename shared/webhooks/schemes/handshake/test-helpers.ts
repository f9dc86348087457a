import { verifySchema } from '../../../config/schema';
import { AppError } from '../../../errors';
import { buildScheme } from '../../registry';
import type { HandshakeInput, Scheme, SchemeEnv } from '../../scheme';
import type { Verified, VerifyInput } from '../../types';

/** Helpers for the handshake scheme tests (imported by *.test.ts only). */

const logger: SchemeEnv['logger'] = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => logger };
const env: SchemeEnv = {
  http: { fetch: () => Promise.reject(new Error('a handshake scheme makes no outbound calls')) },
  clock: { now: () => 1_700_000_000_000 },
  logger,
};

/** Builds a scheme the way a cold start does: the YAML's verify block through the strict schema, then the registry. */
export const schemeFrom = (verify: Record<string, unknown>): Scheme => buildScheme(verifySchema.parse(verify), env);

export interface Req {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

const bytes = (b: Uint8Array | string | undefined) => (typeof b === 'string' ? Buffer.from(b, 'utf8') : (b ?? new Uint8Array(0)));

export const verifyInput = (r: Req): VerifyInput => ({
  method: r.method ?? 'POST',
  url: r.url ?? 'https://hooks.example.com/webhooks/source',
  headers: new Headers(r.headers),
  body: bytes(r.body),
  now: env.clock.now(),
});

export const handshakeInput = (r: Req): HandshakeInput => {
  const v = verifyInput(r);
  return { method: v.method!, url: new URL(v.url), headers: v.headers, body: v.body };
};

/** Runs the scheme as the ingress does: preflight, verify, parse, reply. */
export async function run(scheme: Scheme, r: Req): Promise<{ early?: Response; verified?: Verified; answer?: Response }> {
  const early = scheme.preflight?.(handshakeInput(r));
  if (early) return { early };
  const verified = await scheme.verify(verifyInput(r));
  const body = bytes(r.body);
  const payload = body.byteLength > 0 ? (JSON.parse(Buffer.from(body).toString('utf8')) as unknown) : undefined;
  return { verified, answer: scheme.reply?.(handshakeInput(r), payload) };
}

/** The AppError a call throws (sync or async), as { status, code, text } where text holds everything it would expose. */
export async function rejection(fn: () => unknown): Promise<{ status: number; code: string; text: string }> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return { status: e.status, code: e.code, text: JSON.stringify({ m: e.message, x: e.extra, h: e.headers }) };
  }
  throw new Error('expected a rejection');
}
